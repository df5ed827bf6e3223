using Asp.Versioning;
using Microsoft.AspNetCore.Http;

namespace Caravan.ServiceDefaults.Versioning;

/// <summary>
/// Gives the problems Asp.Versioning writes (400 for an unsupported, ambiguous, malformed or missing
/// version) the machine codes Caravan uses everywhere, e.g. <c>UNSUPPORTED_API_VERSION</c>, in place of
/// the library's own (<c>UnsupportedApiVersion</c>). It runs after any other customisation.
/// </summary>
internal static class ApiVersionProblemCodes
{
    private static readonly Dictionary<string, string> Codes = new(StringComparer.Ordinal)
    {
        [ProblemDetailsDefaults.Unsupported.Type] = "UNSUPPORTED_API_VERSION",
        [ProblemDetailsDefaults.Ambiguous.Type] = "AMBIGUOUS_API_VERSION",
        [ProblemDetailsDefaults.Invalid.Type] = "INVALID_API_VERSION",
        [ProblemDetailsDefaults.Unspecified.Type] = "API_VERSION_UNSPECIFIED",
    };

    public static void Register(ProblemDetailsOptions options)
    {
        var customize = options.CustomizeProblemDetails;
        options.CustomizeProblemDetails = context =>
        {
            customize?.Invoke(context);
            Apply(context.ProblemDetails);
        };
    }

    internal static void Apply(Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        if (problem.Type is { } type && Codes.TryGetValue(type, out var code))
        {
            problem.Extensions["code"] = code;
        }
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>Problem responses the services share, so that every 404 and 409 looks the same.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string what, object id) =>
        TypedResults.Problem(title: $"{what} not found.", detail: $"No {what.ToLowerInvariant()} has the id '{id}'.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>A 409; <paramref name="code"/> names the conflict more precisely than <c>CONFLICT</c> (e.g. <c>EMAIL_TAKEN</c>).</summary>
    public static ProblemHttpResult Conflict(string title, string detail, string? code = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict, extensions: Coded(code));

    /// <summary>The extensions that set a producer's own machine code, or none.</summary>
    public static Dictionary<string, object?>? Coded(string? code) =>
        code is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal) { [ProblemConventions.Code] = code };
}

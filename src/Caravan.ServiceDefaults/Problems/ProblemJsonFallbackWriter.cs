using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>
/// The last problem-details writer: ASP.NET Core's own writer declines a client whose <c>Accept</c>
/// does not name JSON (for example <c>text/html</c>), and the error would then go out as plain text or
/// with no body. Caravan's APIs speak JSON only, so this one writes <c>application/problem+json</c>
/// regardless, in the same shape. It has no <c>type</c> URI table: a problem without a producer-set
/// <c>type</c> means <c>about:blank</c>, as RFC 9457 allows.
/// </summary>
internal sealed class ProblemJsonFallbackWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions)
    : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        var typeInfo = jsonOptions.Value.SerializerOptions.GetTypeInfo(problem.GetType());
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, typeInfo, "application/problem+json", http.RequestAborted));
    }
}

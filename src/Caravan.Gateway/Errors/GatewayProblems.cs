using Microsoft.AspNetCore.Mvc;

namespace Caravan.Gateway.Errors;

/// <summary>
/// Every answer the gateway makes up itself (rather than forwards) is RFC 9457 application/problem+json
/// written through <see cref="IProblemDetailsService"/>, so ServiceDefaults' customization (instance,
/// message, details) applies, with a machine <c>code</c> set here explicitly.
/// </summary>
internal static class GatewayProblems
{
    public const string NotFound = "NOT_FOUND";
    public const string RateLimited = "RATE_LIMITED";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string ValidationError = "VALIDATION_ERROR";
    public const string BadRequest = "BAD_REQUEST";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string GatewayTimeout = "GATEWAY_TIMEOUT";
    public const string BadGateway = "BAD_GATEWAY";

    /// <summary>Sets the status and writes the problem; the response must not have started.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string title, string? detail = null, string? field = null)
    {
        context.Response.StatusCode = status;
        var problem = field is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [detail ?? title] });
        problem.Status = status;
        problem.Title = title;
        problem.Detail = detail;
        problem.Extensions["code"] = code;
        if (field is not null)
        {
            problem.Extensions["details"] = new[] { new FieldDetail(field, detail ?? title) };
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            // The caller's Accept header ruled out JSON; the problem is still the only honest answer.
            await Results.Problem(problem).ExecuteAsync(context);
        }
    }

    private sealed record FieldDetail(string Field, string Message);
}

using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>
/// The one shape of every error answer (RFC 9457 plus Caravan's members), applied to each problem as
/// it is written, whoever produced it: endpoint results, the exception handlers, status-code pages.
/// <list type="bullet">
/// <item><c>code</c>: the producer's, else <see cref="ProblemCodes.ForStatus"/>.</item>
/// <item><c>message</c>: <c>detail</c>, else <c>title</c>.</item>
/// <item><c>details</c>: <c>[{ field, message }]</c>, one per field error; only when there are field
/// errors, which stay in the standard <c>errors</c> dictionary too.</item>
/// <item><c>requestId</c> (the <c>X-Request-Id</c> of the request) and <c>traceId</c> (the W3C trace id).</item>
/// </list>
/// </summary>
public static class ProblemConventions
{
    public const string Code = "code";
    public const string Message = "message";
    public const string Details = "details";
    public const string RequestId = "requestId";
    public const string TraceId = "traceId";
    private const string Errors = "errors";

    /// <summary>Completes <paramref name="context"/>'s problem in place.</summary>
    public static void Apply(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        problem.Status ??= http.Response.StatusCode;
        problem.Instance ??= http.Request.PathBase.Add(http.Request.Path).Value;

        var fieldErrors = FieldErrorsOf(problem);
        if (fieldErrors.Count > 0)
        {
            problem.Extensions[Details] = fieldErrors;
        }

        if (!problem.Extensions.TryGetValue(Code, out var code) || code is null || code is string { Length: 0 })
        {
            problem.Extensions[Code] = ProblemCodes.ForStatus(problem.Status.Value, fieldErrors.Count > 0);
        }

        if (!problem.Extensions.ContainsKey(Message))
        {
            problem.Extensions[Message] = problem.Detail ?? problem.Title;
        }

        problem.Extensions[RequestId] = http.TraceIdentifier;
        if (Activity.Current is { } activity)
        {
            problem.Extensions[TraceId] = activity.TraceId.ToHexString();
        }
        else
        {
            problem.Extensions.TryAdd(TraceId, http.TraceIdentifier);
        }
    }

    /// <summary>
    /// The field errors of a validation problem, or of any problem that carries an <c>errors</c>
    /// dictionary among its extensions (as Orders' idempotency problem does).
    /// </summary>
    internal static List<FieldError> FieldErrorsOf(ProblemDetails problem)
    {
        IDictionary<string, string[]>? errors = problem switch
        {
            HttpValidationProblemDetails validation => validation.Errors,
            _ when problem.Extensions.TryGetValue(Errors, out var value) && value is IDictionary<string, string[]> extension => extension,
            _ => null,
        };
        return errors is null
            ? []
            : [.. errors.SelectMany(pair => pair.Value.Select(message => new FieldError(pair.Key, message)))];
    }
}

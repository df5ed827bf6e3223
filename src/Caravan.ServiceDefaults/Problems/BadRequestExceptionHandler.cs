using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>
/// Turns a request the framework could not bind (malformed JSON, a wrong type, a missing body, a body
/// too large) into a 400/413 problem that names the offending field, instead of a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var status = badRequest.StatusCode;
        ProblemDetails problem;
        if (FindJsonException(badRequest) is { } json)
        {
            var field = FieldName(json.Path);
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [field] = [$"The value at '{json.Path ?? "$"}' is not valid JSON for this field."],
            })
            {
                Title = "The request body is not valid JSON for this endpoint.",
            };
        }
        else if (status == StatusCodes.Status400BadRequest && httpContext.Request.ContentLength == 0 && httpContext.Request.HasJsonContentType())
        {
            // A required JSON body that is empty: name it, rather than the framework's message about parameter inference.
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = ["A JSON body is required."] })
            {
                Title = "The request body is missing.",
            };
        }
        else
        {
            problem = new ProblemDetails { Title = "The request could not be read.", Detail = badRequest.Message };
        }

        problem.Status = status;
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static JsonException? FindJsonException(Exception exception)
    {
        for (var current = exception.InnerException; current is not null; current = current.InnerException)
        {
            if (current is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    /// <summary>Turns a JSON path such as <c>$.items[0].quantity</c> into the field name <c>items[0].quantity</c>.</summary>
    internal static string FieldName(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}

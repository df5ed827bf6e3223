using System.Globalization;
using Caravan.Messaging;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Caravan.ServiceDefaults.Problems;

/// <summary>
/// Answers a request that failed because the service's database could not be reached (the classification the message
/// consumers use, <see cref="RetryPolicy.IsUnavailable"/>: server down, restarting or refusing connections) with 503
/// and a <c>Retry-After</c>, rather than a 500: the request was fine and may be sent again, and a client or gateway
/// that retries on 503 does the right thing. Nothing was written: the request's transaction could not commit.
/// </summary>
internal sealed partial class DatabaseUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    /// <summary>Seconds a client is asked to wait: about what a restarting PostgreSQL server needs.</summary>
    internal const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!RetryPolicy.IsUnavailable(exception))
        {
            return false;
        }

        LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers[HeaderNames.RetryAfter] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service's database cannot be reached.",
                Detail = $"Nothing was changed. Send the request again in about {RetryAfterSeconds} seconds.",
            },
        });
    }

    [LoggerMessage(1501, LogLevel.Warning, "{Method} {Path}: 503, the database cannot be reached ({ExceptionType}: {ExceptionMessage})")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string exceptionType, string exceptionMessage);
}

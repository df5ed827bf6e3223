using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Caravan.ServiceDefaults.RequestIds;

/// <summary>
/// First in every pipeline: settles the request id (the caller's valid <c>X-Request-Id</c>, else a new
/// one) and makes it visible everywhere — the request headers (so the gateway forwards it and the
/// outgoing-call handler repeats it), <see cref="HttpContext.TraceIdentifier"/> (so problems carry it),
/// the response headers (on errors too: set when the response starts, after any handler cleared
/// the headers), the logging scope and the current Activity.
/// </summary>
/// <remarks>
/// It runs on every request of every service and of the gateway, so it allocates no closure and no
/// dictionary per request: the response callback is static and reads the id back from the context.
/// </remarks>
internal sealed class RequestIdMiddleware(RequestDelegate next, IRequestIdGenerator generator, ILogger<RequestIdMiddleware> logger)
{
    private static readonly Func<object, Task> s_repeatOnResponse = static state =>
    {
        var context = (HttpContext)state;
        context.Response.Headers[RequestId.HeaderName] = context.Request.Headers[RequestId.HeaderName];
        return Task.CompletedTask;
    };

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[RequestId.HeaderName];
        var id = incoming.Count == 1 && RequestId.IsValid(incoming[0]) ? incoming[0]! : generator.NewId();
        context.Request.Headers[RequestId.HeaderName] = id;
        context.TraceIdentifier = id;
        context.Response.OnStarting(s_repeatOnResponse, context);
        Activity.Current?.SetTag(RequestId.TagName, id);

        using (logger.BeginScope(new RequestIdScope(id)))
        {
            await next(context);
        }
    }
}

using Microsoft.AspNetCore.Http;

namespace Caravan.ServiceDefaults.RequestIds;

/// <summary>
/// Repeats the current request's id on every outgoing HttpClient call (Orders → Users, Users → Orders),
/// so one client request is one id in every service's logs. Calls made outside a request (message
/// handlers, background work) carry none; a call that already sets the header keeps its own.
/// </summary>
internal sealed class RequestIdPropagationHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains(RequestId.HeaderName)
            && accessor.HttpContext?.Request.Headers[RequestId.HeaderName].ToString() is { Length: > 0 } id)
        {
            request.Headers.TryAddWithoutValidation(RequestId.HeaderName, id);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

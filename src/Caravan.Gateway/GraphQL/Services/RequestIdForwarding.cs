namespace Caravan.Gateway.GraphQL.Services;

/// <summary>
/// Copies the caller's <c>X-Request-Id</c> onto every call a resolver makes, so the services' logs and
/// traces of one GraphQL request carry the id the caller sent.
/// </summary>
internal sealed class RequestIdForwarding(IHttpContextAccessor accessor) : DelegatingHandler
{
    public const string HeaderName = "X-Request-Id";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext?.Request.Headers[HeaderName] is { Count: > 0 } values && !request.Headers.Contains(HeaderName))
        {
            request.Headers.TryAddWithoutValidation(HeaderName, values.ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}

using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Caravan.Gateway.OpenApi;

/// <summary>
/// The merged document of each version, built on first request and kept for
/// <see cref="OpenApiDocsOptions.CacheFor"/> (measured with the injected <see cref="TimeProvider"/>). One
/// rebuild runs at a time: requests arriving meanwhile wait for it instead of asking every service again.
/// A rebuild asks all services at once, so a service that is down costs at most one fetch timeout, and
/// the document is still built from the others. Callers get the shared instance and must not change it.
/// </summary>
internal sealed class MergedDocumentCache(
    IEnumerable<IProxyConfigProvider> proxyConfig,
    ServiceDocumentClient client,
    IOptionsMonitor<OpenApiDocsOptions> options,
    TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _rebuild = new(1, 1);
    private readonly Dictionary<string, (JsonObject Document, DateTimeOffset ExpiresAt)> _documents = new(StringComparer.Ordinal);

    public async Task<JsonObject> GetAsync(string documentName, CancellationToken cancellationToken = default)
    {
        await _rebuild.WaitAsync(cancellationToken);
        try
        {
            if (_documents.TryGetValue(documentName, out var cached) && time.GetUtcNow() < cached.ExpiresAt)
            {
                return cached.Document;
            }

            // Not the caller's token: a rebuild that is under way serves the requests waiting for it even
            // when the one that started it goes away; the fetch timeout bounds it.
            var document = await BuildAsync(documentName, CancellationToken.None);
            _documents[documentName] = (document, time.GetUtcNow() + options.CurrentValue.CacheFor);
            return document;
        }
        finally
        {
            _rebuild.Release();
        }
    }

    public void Dispose() => _rebuild.Dispose();

    private async Task<JsonObject> BuildAsync(string documentName, CancellationToken cancellationToken)
    {
        var routes = PublicRoutes.From(proxyConfig);
        var documents = await Task.WhenAll(routes.Services.Select(service => client.FetchAsync(service, documentName, cancellationToken)));
        return OpenApiDocumentMerger.Merge(documentName, documents, routes.Forwards);
    }
}

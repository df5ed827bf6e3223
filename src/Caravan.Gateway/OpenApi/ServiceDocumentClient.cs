using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Caravan.Gateway.OpenApi;

/// <summary>
/// Fetches a service's own OpenAPI document (<c>{service}/openapi/{name}.json</c>) through the HTTP client
/// factory, so service discovery and the standard resilience handler apply. Never throws for a service's
/// failure: a service that is down, slow past <see cref="OpenApiDocsOptions.FetchTimeout"/>, failing or
/// serving something that is not a JSON object is reported <see cref="ServiceDocumentOutcome.Unavailable"/>.
/// </summary>
internal sealed class ServiceDocumentClient(
    IHttpClientFactory httpClientFactory,
    IOptionsMonitor<OpenApiDocsOptions> options,
    TimeProvider time,
    ILogger<ServiceDocumentClient> logger)
{
    public const string HttpClientName = "caravan-openapi";

    public async Task<ServiceDocument> FetchAsync(ServiceAddress service, string documentName, CancellationToken cancellationToken = default)
    {
        using var timeout = new CancellationTokenSource(options.CurrentValue.FetchTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var http = httpClientFactory.CreateClient(HttpClientName);
        try
        {
            using var response = await http.GetAsync(new Uri(service.BaseAddress, $"/openapi/{documentName}.json"), linked.Token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new ServiceDocument(service.Service, ServiceDocumentOutcome.NotPublished);
            }

            if (!response.IsSuccessStatusCode)
            {
                return Unavailable(service, documentName, $"HTTP {(int)response.StatusCode}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(linked.Token);
            return await JsonNode.ParseAsync(body, cancellationToken: linked.Token) is JsonObject document
                ? new ServiceDocument(service.Service, ServiceDocumentOutcome.Found, document)
                : Unavailable(service, documentName, "not a JSON object");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Unavailable(service, documentName, $"no answer within {options.CurrentValue.FetchTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or InvalidOperationException or IOException or Polly.ExecutionRejectedException)
        {
            return Unavailable(service, documentName, exception.Message);
        }
    }

    private ServiceDocument Unavailable(ServiceAddress service, string documentName, string reason)
    {
        OpenApiDocsLog.ServiceDocumentUnavailable(logger, service.Service, documentName, reason);
        return new ServiceDocument(service.Service, ServiceDocumentOutcome.Unavailable);
    }
}

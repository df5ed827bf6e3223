using System.Text.Json.Nodes;

namespace Caravan.Gateway.OpenApi;

/// <summary>What one service answered when asked for one of its OpenAPI documents.</summary>
/// <param name="Service">The service's name, as service discovery knows it (<c>orders</c>).</param>
/// <param name="Outcome">What the service answered.</param>
/// <param name="Document">The document when <paramref name="Outcome"/> is <see cref="ServiceDocumentOutcome.Found"/>.</param>
internal sealed record ServiceDocument(string Service, ServiceDocumentOutcome Outcome, JsonObject? Document = null);

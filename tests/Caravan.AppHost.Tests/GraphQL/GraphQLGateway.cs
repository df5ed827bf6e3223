using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Caravan.AppHost.Tests.Gateway;

namespace Caravan.AppHost.Tests.GraphQL;

/// <summary>The gateway (as Program.cs composes it) in front of a <see cref="StandInShop"/>, and a GraphQL client for it.</summary>
internal sealed class GraphQLGateway : IAsyncDisposable
{
    private readonly HttpClient _client;

    private GraphQLGateway(StandInShop shop, GatewayHost host)
    {
        Shop = shop;
        Host = host;
        _client = host.CreateClient();
    }

    public StandInShop Shop { get; }

    public GatewayHost Host { get; }

    public HttpClient Client => _client;

    /// <param name="settings">More gateway configuration, or none.</param>
    /// <param name="services">Where the gateway finds the services; the shop's addresses when null.</param>
    public static async Task<GraphQLGateway> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, Func<StandInShop, IReadOnlyDictionary<string, Uri>>? services = null)
    {
        var shop = await StandInShop.StartAsync();
        var host = await GatewayHost.StartAsync(services?.Invoke(shop) ?? shop.Addresses, settings);
        return new GraphQLGateway(shop, host);
    }

    /// <summary>POSTs <c>{ query, variables }</c> as application/json and reads the GraphQL response.</summary>
    public async Task<GraphQLAnswer> PostAsync(string query, object? variables = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = JsonContent.Create(new { query, variables }),
        };
        configure?.Invoke(request);
        return await SendAsync(request);
    }

    public async Task<GraphQLAnswer> SendAsync(HttpRequestMessage request)
    {
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await Host.DisposeAsync();
        await Shop.DisposeAsync();
    }
}

/// <summary>A GraphQL response: status, media type and body, with the parts tests look at.</summary>
internal sealed record GraphQLAnswer(HttpStatusCode Status, string? MediaType, JsonElement Body)
{
    public JsonElement Data => Body.GetProperty("data");

    public IReadOnlyList<JsonElement> Errors =>
        Body.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray()] : [];

    public IReadOnlyList<string?> ErrorCodes =>
        [.. Errors.Select(error => error.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("code", out var code) ? code.GetString() : null)];

    /// <summary>Asserts a 200 answer without errors and returns its data.</summary>
    public JsonElement AssertData()
    {
        Assert.True(Errors.Count == 0, $"Unexpected errors: {Body}");
        Assert.Equal(HttpStatusCode.OK, Status);
        return Data;
    }
}

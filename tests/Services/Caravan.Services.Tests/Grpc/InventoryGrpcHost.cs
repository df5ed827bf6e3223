using System.Net;
using System.Net.Http.Json;
using Caravan.Inventory;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using InventoryClient = Caravan.Inventory.Grpc.V1.Inventory.InventoryClient;

namespace Caravan.Services.Tests.Grpc;

/// <summary>
/// The Inventory service with both of its Kestrel endpoints as the app host gives them —
/// <c>Kestrel:Endpoints:http</c> (REST) and <c>Kestrel:Endpoints:grpc</c> (made HTTP/2-only by the
/// service itself) — on free loopback ports, and a real gRPC channel to the second one.
/// </summary>
internal sealed class InventoryGrpcHost : IAsyncDisposable
{
    private readonly TestDirectory? _directory;

    private InventoryGrpcHost(TestDirectory? directory, ServiceHost host, Uri restAddress, Uri grpcAddress)
    {
        _directory = directory;
        Host = host;
        Rest = new HttpClient { BaseAddress = restAddress };
        GrpcAddress = grpcAddress;
        Channel = GrpcChannel.ForAddress(grpcAddress);
        Inventory = new InventoryClient(Channel);
    }

    public ServiceHost Host { get; }

    /// <summary>The HTTP/2-only endpoint, as <c>services:inventory:grpc:0</c> would name it.</summary>
    public Uri GrpcAddress { get; }

    public GrpcChannel Channel { get; }

    public InventoryClient Inventory { get; }

    /// <summary>A client of the REST endpoint (<see cref="ServiceHost.Client"/> may point at either).</summary>
    public HttpClient Rest { get; }

    /// <summary>Starts Inventory on <paramref name="dataDirectory"/>, or on a fresh directory it deletes when disposed.</summary>
    public static async Task<InventoryGrpcHost> StartAsync(string? dataDirectory = null, ServiceStorage? storage = null)
    {
        var directory = dataDirectory is null ? new TestDirectory() : null;
        var endpoints = new List<ListenOptions>();
        var host = await ServiceHost.StartAsync(
            dataDirectory ?? directory!.Path,
            builder => builder.AddInventoryService(),
            app => app.MapInventoryEndpoints(),
            builder =>
            {
                builder.Configuration[InventoryService.SeedDemoProductsKey] = "false";
                builder.Configuration["Kestrel:Endpoints:http:Url"] = "http://127.0.0.1:0";
                builder.Configuration["Kestrel:Endpoints:grpc:Url"] = "http://127.0.0.1:0";
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoints.Add));
            },
            storage);

        // Kestrel writes the bound port back into each endpoint's options; the HTTP/2-only one is gRPC's.
        Assert.Equal(2, endpoints.Count);
        var grpc = Assert.Single(endpoints, endpoint => endpoint.Protocols == HttpProtocols.Http2);
        var rest = Assert.Single(endpoints, endpoint => endpoint.Protocols != HttpProtocols.Http2);
        return new InventoryGrpcHost(directory, host, AddressOf(rest), AddressOf(grpc));
    }

    private static Uri AddressOf(ListenOptions endpoint)
    {
        var port = ((IPEndPoint)endpoint.EndPoint).Port;
        Assert.NotEqual(0, port);
        return new Uri($"http://127.0.0.1:{port}");
    }

    public async Task CreateProductAsync(string sku, decimal price, int stock)
    {
        using var response = await Rest.PostAsJsonAsync("/api/v1/products", new { sku, name = $"Product {sku}", price, stock });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task SetStockAsync(string sku, decimal price, int stock)
    {
        using var response = await Rest.PutAsJsonAsync($"/api/v1/products/{sku}", new { name = $"Product {sku}", price, stock });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        Rest.Dispose();
        await Host.DisposeAsync();
        _directory?.Dispose();
    }
}

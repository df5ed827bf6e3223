using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Caravan.Inventory.Grpc;

/// <summary>
/// Where and how Inventory serves gRPC. gRPC needs HTTP/2, and HTTP/2 without TLS works only on an
/// endpoint that speaks nothing else (prior knowledge: there is no upgrade from HTTP/1.1), so the gRPC
/// API has its own Kestrel endpoint, <c>Kestrel:Endpoints:grpc</c>, made HTTP/2-only here; the REST
/// endpoint stays HTTP/1.1 + HTTP/2. The app host and the launch profile set its URL
/// (<c>Kestrel__Endpoints__grpc__Url</c>, port 5113 on a local run); without it there is no gRPC endpoint.
/// </summary>
internal static class InventoryGrpcEndpoint
{
    /// <summary>The Kestrel endpoint (and the app host's endpoint) name.</summary>
    public const string EndpointName = "grpc";

    public static IHostApplicationBuilder AddInventoryGrpc(this IHostApplicationBuilder builder)
    {
        var protocols = $"Kestrel:Endpoints:{EndpointName}:Protocols";
        if (builder.Configuration[$"Kestrel:Endpoints:{EndpointName}:Url"] is not null && builder.Configuration[protocols] is null)
        {
            builder.Configuration[protocols] = nameof(HttpProtocols.Http2);
        }

        builder.Services.AddGrpc(options => options.EnableDetailedErrors = false);
        // grpc.health.v1 answers from the same checks as /health/ready (run on each Check, not cached):
        // for the server as a whole ("") and for the Inventory service by its full name.
        builder.Services.AddGrpcHealthChecks(options =>
        {
            options.Services.Clear();
            options.Services.Map(string.Empty, _ => true);
            options.Services.Map(V1.Inventory.Descriptor.FullName, _ => true);
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapInventoryGrpc(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<InventoryGrpcService>();
        app.MapGrpcHealthChecksService();
        return app;
    }
}

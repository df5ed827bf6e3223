using Grpc.Core;
using Grpc.Health.V1;

namespace Caravan.Services.Tests.Grpc;

/// <summary>The standard gRPC health protocol (grpc.health.v1) on Inventory's gRPC endpoint, fed by its ASP.NET Core health checks.</summary>
public sealed class GrpcHealthTests
{
    [Theory]
    [InlineData("")]
    [InlineData("caravan.inventory.v1.Inventory")]
    public async Task Check_answers_Serving_for_the_server_and_the_inventory_service(string service)
    {
        await using var inventory = await InventoryGrpcHost.StartAsync();
        var health = new Health.HealthClient(inventory.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_NotFound()
    {
        await using var inventory = await InventoryGrpcHost.StartAsync();
        var health = new Health.HealthClient(inventory.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}

using System.Net.Http.Json;
using System.Text.Json;

namespace Caravan.Services.Tests.Inventory;

public sealed class DemoProductSeedingTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Seeding_OnRestart_InsertsTheDemoCatalogueOnlyOnce()
    {
        await using (var first = await InventoryHarness.StartHostAsync(_directory.Path, seedDemoProducts: true))
        {
            var catalogue = await first.Client.GetFromJsonAsync<JsonElement>("/api/v1/products?limit=100");
            Assert.Equal(9, catalogue.GetProperty("pagination").GetProperty("total").GetInt64());
            var products = catalogue.GetProperty("data").EnumerateArray().ToList();
            Assert.All(products, product =>
            {
                Assert.InRange(product.GetProperty("price").GetDecimal(), 5m, 200m);
                Assert.False(string.IsNullOrWhiteSpace(product.GetProperty("name").GetString()));
            });
            var soldOut = Assert.Single(products, product => product.GetProperty("sku").GetString() == "SOLD-OUT-1");
            Assert.Equal(0, soldOut.GetProperty("stock").GetInt64());
            Assert.All(products.Where(product => product.GetProperty("sku").GetString() != "SOLD-OUT-1"),
                product => Assert.True(product.GetProperty("stock").GetInt64() >= 1000));

            using var update = await first.Client.PutAsJsonAsync("/api/v1/products/SOLD-OUT-1", new { name = "Restocked compass", price = 59m, stock = 7 });
            update.EnsureSuccessStatusCode();
        }

        await using var second = await InventoryHarness.StartHostAsync(_directory.Path, seedDemoProducts: true);
        var again = await second.Client.GetFromJsonAsync<JsonElement>("/api/v1/products?limit=100");
        Assert.Equal(9, again.GetProperty("pagination").GetProperty("total").GetInt64());
        var compass = await second.Client.GetFromJsonAsync<JsonElement>("/api/v1/products/SOLD-OUT-1");
        Assert.Equal("Restocked compass", compass.GetProperty("name").GetString());
        Assert.Equal(7, compass.GetProperty("stock").GetInt64());
    }

    [Fact]
    public async Task Seeding_TwoInstancesStartingAtOnce_InsertTheCatalogueOnce()
    {
        var starting = new[]
        {
            InventoryHarness.StartHostAsync(_directory.Path, seedDemoProducts: true),
            InventoryHarness.StartHostAsync(_directory.Path, seedDemoProducts: true),
        };
        var hosts = await Task.WhenAll(starting);
        try
        {
            foreach (var host in hosts)
            {
                var catalogue = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/products?limit=100");
                Assert.Equal(9, catalogue.GetProperty("pagination").GetProperty("total").GetInt64());
            }
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Seeding_WhenNotConfigured_LeavesTheCatalogueEmpty()
    {
        await using var host = await InventoryHarness.StartHostAsync(_directory.Path);

        var catalogue = await host.Client.GetFromJsonAsync<JsonElement>("/api/v1/products");

        Assert.Equal(0, catalogue.GetProperty("pagination").GetProperty("total").GetInt64());
    }
}

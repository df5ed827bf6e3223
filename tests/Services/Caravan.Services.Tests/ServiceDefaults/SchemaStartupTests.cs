using System.Net;
using System.Net.Http.Json;
using Caravan.Services.Tests.Inventory;

namespace Caravan.Services.Tests.ServiceDefaults;

/// <summary>
/// Instances of one service starting together on one database each create the schema; they take turns
/// (on PostgreSQL an advisory lock, since concurrent CREATE TABLE IF NOT EXISTS can fail there), so all start.
/// </summary>
public abstract class SchemaStartupTests(ServiceStorage storage)
{
    [Fact]
    public async Task Start_ThreeInstancesAtOnceOnANewDatabase_AllStartAndShareTheTables()
    {
        using var directory = new TestDirectory();

        var hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => InventoryHarness.StartHostAsync(directory.Path, storage: storage)));
        try
        {
            using var created = await hosts[0].Client.PostAsJsonAsync("/api/v1/products", new { sku = "SHARED", name = "Shared", price = 1m, stock = 3 });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            foreach (var host in hosts)
            {
                var product = await host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/products/SHARED");
                Assert.Equal(3, product.GetProperty("stock").GetInt64());
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
}

public sealed class SchemaStartupOnSqliteTests() : SchemaStartupTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class SchemaStartupOnPostgresTests(PostgresStorage storage) : SchemaStartupTests(storage);

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Caravan.Services.Tests.Inventory;

public abstract class ProductsApiTests(ServiceStorage storage) : IAsyncLifetime
{
    private InventoryHarness _inventory = null!;

    private HttpClient Client => _inventory.Client;

    public async Task InitializeAsync() => _inventory = await InventoryHarness.StartAsync(storage);

    public async Task DisposeAsync() => await _inventory.DisposeAsync();

    [Fact]
    public async Task Create_ValidProduct_Returns201WithLocationAndTheProduct()
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/products", new { sku = "TENT-2P", name = "Two-person tent", price = 189.5m, stock = 40 });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/products/TENT-2P", response.Headers.Location?.OriginalString);
        var product = await response.ReadJsonAsync();
        Assert.Equal("TENT-2P", product.GetProperty("sku").GetString());
        Assert.Equal("Two-person tent", product.GetProperty("name").GetString());
        Assert.Equal("189.50", product.GetProperty("price").GetRawText());
        Assert.Equal(40, product.GetProperty("stock").GetInt64());
        Assert.Equal(0, product.GetProperty("reserved").GetInt64());
        Assert.Equal(0, product.GetProperty("committed").GetInt64());
        var fetched = await Client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
        Assert.Equal(product.GetRawText(), fetched.GetRawText());
    }

    [Theory]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": 10, "stock": -1 }""", "stock")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": 0, "stock": 1 }""", "price")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": -5, "stock": 1 }""", "price")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": 1.234, "stock": 1 }""", "price")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": 1000000.01, "stock": 1 }""", "price")]
    [InlineData("""{ "name": "Lamp", "price": 10, "stock": 1 }""", "sku")]
    [InlineData("""{ "sku": "A 1", "name": "Lamp", "price": 10, "stock": 1 }""", "sku")]
    [InlineData("""{ "sku": "A/1", "name": "Lamp", "price": 10, "stock": 1 }""", "sku")]
    [InlineData("""{ "sku": "A-1", "name": " ", "price": 10, "stock": 1 }""", "name")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "stock": 1 }""", "price")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": 10 }""", "stock")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": 10, "stock": 1.5 }""", "stock")]
    [InlineData("""{ "sku": "A-1", "name": "Lamp", "price": "ten", "stock": 1 }""", "price")]
    [InlineData("""{ }""", "name", "price", "sku", "stock")]
    public async Task Create_InvalidField_Returns400NamingIt(string body, params string[] fields)
    {
        using var response = await PostJsonAsync("/api/v1/products", body);

        await AssertValidationProblemAsync(response, fields);
        Assert.Equal(0, (await Client.GetFromJsonAsync<JsonElement>("/api/v1/products")).GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Create_SkuLongerThan64_Returns400NamingSku()
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/products", new { sku = new string('A', 65), name = "Lamp", price = 10m, stock = 1 });

        await AssertValidationProblemAsync(response, "sku");
    }

    [Fact]
    public async Task Create_MalformedJson_Returns400Problem()
    {
        using var response = await PostJsonAsync("/api/v1/products", """{ "sku": "A-1", """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_DuplicateSku_Returns409AndKeepsTheFirst()
    {
        await _inventory.CreateProductAsync("LAMP-1", 24.5m, 10);

        using var response = await Client.PostAsJsonAsync("/api/v1/products", new { sku = "LAMP-1", name = "Another lamp", price = 1m, stock = 99 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var product = await Client.GetFromJsonAsync<JsonElement>("/api/v1/products/LAMP-1");
        Assert.Equal("Product LAMP-1", product.GetProperty("name").GetString());
        Assert.Equal(10, product.GetProperty("stock").GetInt64());
    }

    [Fact]
    public async Task List_PagesProductsOrderedBySku()
    {
        foreach (var sku in new[] { "C-3", "A-1", "E-5", "B-2", "D-4" })
        {
            await _inventory.CreateProductAsync(sku, 5m, 1);
        }

        var first = await Client.GetFromJsonAsync<JsonElement>("/api/v1/products?page=1&limit=2");
        var last = await Client.GetFromJsonAsync<JsonElement>("/api/v1/products?page=3&limit=2");

        Assert.Equal(new[] { "A-1", "B-2" }, Skus(first));
        Assert.Equal(new[] { "E-5" }, Skus(last));
        var pagination = last.GetProperty("pagination");
        Assert.Equal(3, pagination.GetProperty("page").GetInt32());
        Assert.Equal(2, pagination.GetProperty("limit").GetInt32());
        Assert.Equal(5, pagination.GetProperty("total").GetInt64());
        Assert.Equal(3, pagination.GetProperty("pages").GetInt64());
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("limit=1000", "limit")]
    [InlineData("limit=many", "limit")]
    public async Task List_BadPaging_Returns400NamingTheField(string query, string field)
    {
        using var response = await Client.GetAsync($"/api/v1/products?{query}");

        await AssertValidationProblemAsync(response, field);
    }

    [Fact]
    public async Task Get_UnknownSku_Returns404Problem()
    {
        using var response = await Client.GetAsync("/api/v1/products/NOPE-1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Put_ExistingSku_ReplacesNamePriceAndAvailableStock()
    {
        await _inventory.CreateProductAsync("MUG-1", 9.95m, 10);

        using var response = await Client.PutAsJsonAsync("/api/v1/products/MUG-1", new { name = "Enamel mug", price = 11m, stock = 25 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var product = await response.ReadJsonAsync();
        Assert.Equal("Enamel mug", product.GetProperty("name").GetString());
        Assert.Equal("11.00", product.GetProperty("price").GetRawText());
        Assert.Equal(25, product.GetProperty("stock").GetInt64());
        var fetched = await Client.GetFromJsonAsync<JsonElement>("/api/v1/products/MUG-1");
        Assert.Equal(product.GetRawText(), fetched.GetRawText());
    }

    [Fact]
    public async Task Put_UnknownSku_Returns404AndCreatesNothing()
    {
        using var response = await Client.PutAsJsonAsync("/api/v1/products/NOPE-1", new { name = "Ghost", price = 1m, stock = 1 });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var fetched = await Client.GetAsync("/api/v1/products/NOPE-1");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
    }

    [Fact]
    public async Task Put_InvalidBody_Returns400NamingFieldsAndChangesNothing()
    {
        await _inventory.CreateProductAsync("MUG-1", 9.95m, 10);

        using var response = await Client.PutAsJsonAsync("/api/v1/products/MUG-1", new { name = "Mug", price = 0m, stock = -3 });

        await AssertValidationProblemAsync(response, "price", "stock");
        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("MUG-1"));
    }

    [Theory]
    [InlineData("0197a5c2-0000-7000-8000-00000000abcd")]
    [InlineData("not-a-guid")]
    public async Task GetReservation_UnknownOrder_Returns404(string orderId)
    {
        using var response = await Client.GetAsync($"/api/v1/reservations/{orderId}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static string[] Skus(JsonElement page) =>
        [.. page.GetProperty("data").EnumerateArray().Select(product => product.GetProperty("sku").GetString()!)];

    private async Task<HttpResponseMessage> PostJsonAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await Client.PostAsync(path, content);
    }

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, params string[] fields)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        var named = problem.GetProperty("errors").EnumerateObject().Select(error => error.Name).Order(StringComparer.Ordinal);
        Assert.Equal(fields.Order(StringComparer.Ordinal), named);
    }
}

public sealed class ProductsApiOnSqliteTests() : ProductsApiTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ProductsApiOnPostgresTests(PostgresStorage storage) : ProductsApiTests(storage);

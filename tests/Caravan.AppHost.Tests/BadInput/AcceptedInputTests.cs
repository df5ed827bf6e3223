namespace Caravan.AppHost.Tests.BadInput;

/// <summary>
/// Input that looks hostile but is valid text, and unknown extra fields: accepted, stored and
/// returned verbatim (never executed, escaped or mangled), and nothing else is written.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class AcceptedInputTests(BadInputFixture fixture)
{
    [Theory]
    [InlineData("sql", BadRequestCases.Sql)]
    [InlineData("script", BadRequestCases.Script)]
    [InlineData("quotes", "Robert'); DELETE FROM users WHERE 1=1; -- \" \\ %00 {{name}}")]
    public async Task UserName_ThatLooksLikeCode_IsStoredAndReturnedVerbatim(string label, string name)
    {
        var before = await fixture.ReadStateAsync();

        var created = await fixture.CreateAsync("/api/v1/users", new { name, email = $"verbatim-{label}@example.com" });

        Assert.Equal(name, created.GetProperty("name").GetString());
        var read = await fixture.GetJsonAsync($"/api/v1/users/{created.GetProperty("id").GetGuid()}");
        Assert.Equal(name, read.GetProperty("name").GetString());
        before.AssertUnchanged(await fixture.ReadStateAsync(), grown: "users");
    }

    [Theory]
    [InlineData("SQL", BadRequestCases.Sql)]
    [InlineData("SCRIPT", BadRequestCases.Script)]
    public async Task ProductName_ThatLooksLikeCode_IsStoredAndReturnedVerbatim(string label, string name)
    {
        var before = await fixture.ReadStateAsync();

        var created = await fixture.CreateAsync("/api/v1/products", new { sku = $"VERBATIM-{label}", name, price = 1.25m, stock = 3 });

        Assert.Equal(name, created.GetProperty("name").GetString());
        var read = await fixture.GetJsonAsync($"/api/v1/products/VERBATIM-{label}");
        Assert.Equal(name, read.GetProperty("name").GetString());
        before.AssertUnchanged(await fixture.ReadStateAsync(), grown: "products");
    }

    [Fact]
    public async Task User_WithUnknownFields_IsCreated_AndTheyAreIgnored()
    {
        var before = await fixture.ReadStateAsync();
        const string ForgedId = "00000000-0000-4000-8000-000000000001";

        var created = await fixture.CreateAsync("/api/v1/users", new
        {
            name = "Extra",
            email = "extra-fields@example.com",
            id = ForgedId,
            role = "admin",
            createdAt = "2000-01-01T00:00:00Z",
        });

        Assert.Equal(["createdAt", "email", "id", "name", "updatedAt"], created.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.NotEqual(ForgedId, created.GetProperty("id").GetString());
        Assert.NotEqual(2000, created.GetProperty("createdAt").GetDateTimeOffset().Year);
        var read = await fixture.GetJsonAsync($"/api/v1/users/{created.GetProperty("id").GetGuid()}");
        Assert.Equal(created.GetRawText(), read.GetRawText());
        before.AssertUnchanged(await fixture.ReadStateAsync(), grown: "users");
    }

    [Fact]
    public async Task Product_WithUnknownFields_IsCreated_AndTheyAreIgnored()
    {
        var before = await fixture.ReadStateAsync();

        var created = await fixture.CreateAsync("/api/v1/products", new { sku = "EXTRA-FIELDS", name = "Extra", price = 2m, stock = 4, reserved = 99, committed = 7, color = "red" });

        Assert.Equal(["committed", "name", "price", "reserved", "sku", "stock"], created.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(4, created.GetProperty("stock").GetInt64());
        Assert.Equal(0, created.GetProperty("reserved").GetInt64());
        Assert.Equal(0, created.GetProperty("committed").GetInt64());
        var read = await fixture.GetJsonAsync("/api/v1/products/EXTRA-FIELDS");
        Assert.Equal(created.GetRawText(), read.GetRawText());
        before.AssertUnchanged(await fixture.ReadStateAsync(), grown: "products");
    }
}

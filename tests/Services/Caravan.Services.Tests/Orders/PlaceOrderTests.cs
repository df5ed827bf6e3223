using System.Net;
using System.Text;
using Caravan.Contracts;

namespace Caravan.Services.Tests.Orders;

public abstract class PlaceOrderTests(ServiceStorage storage) : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private ServiceHost _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHost.StartAsync(_directory.Path, storage: storage);

    public async Task DisposeAsync()
    {
        await _orders.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_valid_order_is_accepted_with_its_location_and_a_pending_saga()
    {
        var userId = Guid.NewGuid();
        using var response = await _orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(userId), "key-1"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/orders/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Pending", body.GetProperty("status").GetString());
        Assert.Equal(userId, body.GetProperty("userId").GetGuid());
        var steps = body.GetProperty("steps").EnumerateArray().Select(step => (step.GetProperty("name").GetString(), step.GetProperty("status").GetString())).ToList();
        Assert.Equal([("reserve_inventory", "Running"), ("process_payment", "Pending"), ("create_shipment", "Pending")], steps);

        using var read = await _orders.Client.GetAsync(new Uri($"/api/v1/orders/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(id, (await read.ReadJsonAsync()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_order_and_starts_one_saga()
    {
        var body = OrdersHost.Order();
        using var first = await _orders.Client.SendAsync(OrdersHost.Post(body, "same-key"));
        using var second = await _orders.Client.SendAsync(OrdersHost.Post(body, "same-key"));

        var firstId = (await first.ReadJsonAsync()).GetProperty("id").GetGuid();
        var secondId = (await second.ReadJsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(firstId, secondId);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());

        using var list = await _orders.Client.GetAsync(new Uri("/api/v1/orders", UriKind.Relative));
        Assert.Equal(1, (await list.ReadJsonAsync()).GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_create_one_order()
    {
        var body = OrdersHost.Order();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _orders.Client.SendAsync(OrdersHost.Post(body, "racing-key"))));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        var ids = new HashSet<Guid>();
        foreach (var response in responses)
        {
            ids.Add((await response.ReadJsonAsync()).GetProperty("id").GetGuid());
            response.Dispose();
        }

        Assert.Single(ids);
        using var list = await _orders.Client.GetAsync(new Uri("/api/v1/orders", UriKind.Relative));
        Assert.Equal(1, (await list.ReadJsonAsync()).GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_reused_key_with_a_different_body_is_rejected()
    {
        using var first = await _orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(), "reused"));
        using var second = await _orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(), "reused"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.True((await second.ReadJsonAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Theory]
    [InlineData("userId")]
    [InlineData("items")]
    [InlineData("payment")]
    [InlineData("shippingAddress")]
    public async Task A_missing_member_is_named(string member)
    {
        var body = new Dictionary<string, object?>
        {
            ["userId"] = Guid.NewGuid().ToString(),
            ["items"] = new[] { new { sku = "SKU-1", quantity = 1 } },
            ["payment"] = new { cardNumber = "4242424242424242" },
            ["shippingAddress"] = new { line1 = "1 Main St", city = "Berlin", postalCode = "10115", country = "DE" },
        };
        body.Remove(member);

        using var response = await _orders.Client.SendAsync(OrdersHost.Post(body, "k-" + member));

        await AssertProblemNamesAsync(response, member);
    }

    [Theory]
    [InlineData("""{"userId":"not-a-guid"}""", "userId")]
    [InlineData("""{"items":[{"sku":"A","quantity":0}]}""", "items[0].quantity")]
    [InlineData("""{"items":[{"sku":"","quantity":1}]}""", "items[0].sku")]
    [InlineData("""{"items":[{"sku":"A","quantity":1},{"sku":"A","quantity":2}]}""", "items[1].sku")]
    [InlineData("""{"payment":{"cardNumber":"12"}}""", "payment.cardNumber")]
    [InlineData("""{"shippingAddress":{"line1":"x","city":"y","postalCode":"1","country":"Germany"}}""", "shippingAddress.country")]
    public async Task An_invalid_field_is_named(string patch, string field)
    {
        var baseline = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(OrdersHost.Order()))!.AsObject();
        foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse(patch)!.AsObject().ToList())
        {
            baseline[name] = value?.DeepClone();
        }

        using var response = await _orders.Client.SendAsync(OrdersHost.Post(baseline, "k-" + field));

        await AssertProblemNamesAsync(response, field);
    }

    [Fact]
    public async Task A_missing_idempotency_key_is_named()
    {
        using var response = await _orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order()));

        await AssertProblemNamesAsync(response, "Idempotency-Key");
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"items":[{"sku":"A","quantity":"lots"}]}""")]
    [InlineData("")]
    public async Task Malformed_json_is_a_bad_request_not_a_server_error(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", "malformed");

        using var response = await _orders.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_and_malformed_ids_are_not_found()
    {
        using var unknown = await _orders.Client.GetAsync(new Uri($"/api/v1/orders/{Guid.NewGuid()}", UriKind.Relative));
        using var malformed = await _orders.Client.GetAsync(new Uri("/api/v1/orders/nope", UriKind.Relative));
        using var saga = await _orders.Client.PostAsync(new Uri($"/api/v1/sagas/{Guid.NewGuid()}/retry", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, saga.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Orders_are_listed_by_user_and_status_with_pagination()
    {
        var ada = Guid.NewGuid();
        for (var index = 0; index < 5; index++)
        {
            using var placed = await _orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(index < 3 ? ada : Guid.NewGuid()), $"list-{index}"));
            Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        }

        using var page = await _orders.Client.GetAsync(new Uri($"/api/v1/orders?userId={ada}&status=pending&page=2&limit=2", UriKind.Relative));
        var body = await page.ReadJsonAsync();
        Assert.Single(body.GetProperty("data").EnumerateArray());
        var pagination = body.GetProperty("pagination");
        Assert.Equal(3, pagination.GetProperty("total").GetInt32());
        Assert.Equal(2, pagination.GetProperty("pages").GetInt32());

        using var badStatus = await _orders.Client.GetAsync(new Uri("/api/v1/orders?status=shipped", UriKind.Relative));
        await AssertProblemNamesAsync(badStatus, "status");
    }

    [Fact]
    public async Task A_placed_order_sends_the_reserve_command_through_the_outbox()
    {
        await using var inventory = await MessagingProbe.StartAsync(_directory.Path, Queues.Inventory, typeof(ReserveStock));
        using var response = await _orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: [("SKU-9", 3)]), "outbox"));
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetGuid();

        var command = await inventory.WaitForAsync<ReserveStock>(reserve => reserve.OrderId == id);
        Assert.Equal([new OrderLine("SKU-9", 3)], command.Items);
    }

    internal static async Task AssertProblemNamesAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"expected an error for '{field}', got {errors}");
    }
}

public sealed class PlaceOrderOnSqliteTests() : PlaceOrderTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PlaceOrderOnPostgresTests(PostgresStorage storage) : PlaceOrderTests(storage);

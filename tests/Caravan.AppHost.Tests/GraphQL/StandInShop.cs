using System.Collections.Concurrent;
using Caravan.AppHost.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Caravan.AppHost.Tests.GraphQL;

/// <summary>
/// Stand-ins for the Users and Orders services on real Kestrel ports, speaking their REST contracts
/// (<c>{ data, pagination }</c> lists, the batch filters <c>?id=…&amp;id=…</c> and <c>?userId=…&amp;userId=…</c>,
/// 404 and 400 problems) over in-memory data, and recording every call they receive, so a test sees how
/// many calls a GraphQL query cost and what they carried.
/// </summary>
internal sealed class StandInShop : IAsyncDisposable
{
    public const string UsersService = "users";
    public const string OrdersService = "orders";

    private static readonly DateTimeOffset s_epoch = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly Dictionary<int, string> _serviceOfPort;
    private readonly ConcurrentQueue<ReceivedCall> _calls = new();
    private readonly ConcurrentDictionary<Guid, ShopUser> _users = new();
    private readonly ConcurrentDictionary<Guid, ShopOrder> _orders = new();

    private StandInShop(WebApplication app, Dictionary<int, string> serviceOfPort)
    {
        _app = app;
        _serviceOfPort = serviceOfPort;
    }

    public IReadOnlyDictionary<string, Uri> Addresses =>
        _serviceOfPort.ToDictionary(pair => pair.Value, pair => new Uri($"http://127.0.0.1:{pair.Key}"));

    public IReadOnlyList<ReceivedCall> Calls => [.. _calls];

    public static async Task<StandInShop> StartAsync()
    {
        var serviceOfPort = new Dictionary<int, string> { [FreePort.Next()] = UsersService, [FreePort.Next()] = OrdersService };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls([.. serviceOfPort.Keys.Select(port => $"http://127.0.0.1:{port}")]);
        var app = builder.Build();
        var shop = new StandInShop(app, serviceOfPort);
        app.Run(shop.AnswerAsync);
        await app.StartAsync();
        return shop;
    }

    public IReadOnlyList<ReceivedCall> CallsTo(string service) => [.. _calls.Where(call => call.Service == service)];

    public void ForgetCalls() => _calls.Clear();

    public ShopUser AddUser(string name, string email)
    {
        var user = new ShopUser(Guid.NewGuid(), name, email, s_epoch.AddMinutes(_users.Count), s_epoch.AddMinutes(_users.Count));
        _users[user.Id] = user;
        return user;
    }

    public ShopOrder AddOrder(Guid userId, string status, decimal total)
    {
        var created = s_epoch.AddHours(1).AddMinutes(_orders.Count);
        var order = new ShopOrder(
            Guid.NewGuid(), userId, status, total, [new ShopItem("TENT-2P", 1, total)],
            new ShopAddress("1 Main St", "Berlin", "10115", "DE"),
            [new ShopStep("reserve_inventory", "Completed", null), new ShopStep("process_payment", "Pending", null)],
            null, created, created);
        _orders[order.Id] = order;
        return order;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task AnswerAsync(HttpContext http)
    {
        var service = _serviceOfPort[http.Connection.LocalPort];
        var request = http.Request;
        if (request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
        {
            // The gateway's active health checks probe every instance on their own schedule: not calls a query made.
            return Results.Ok().ExecuteAsync(http);
        }

        _calls.Enqueue(new ReceivedCall(
            service,
            request.Method,
            request.Path + request.QueryString,
            request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        return (service, request.Method, request.Path.Value ?? "") switch
        {
            (UsersService, "GET", "/api/v1/users") => ListUsers(request.Query).ExecuteAsync(http),
            (UsersService, "GET", var path) when path.StartsWith("/api/v1/users/", StringComparison.Ordinal) =>
                Find(_users, path["/api/v1/users/".Length..], "User").ExecuteAsync(http),
            (UsersService, "POST", "/api/v1/users") => CreateUserAsync(http),
            (OrdersService, "GET", "/api/v1/orders") => ListOrders(request.Query).ExecuteAsync(http),
            (OrdersService, "GET", var path) when path.StartsWith("/api/v1/orders/", StringComparison.Ordinal) =>
                Find(_orders, path["/api/v1/orders/".Length..], "Order").ExecuteAsync(http),
            (OrdersService, "POST", "/api/v1/orders") => PlaceOrderAsync(http),
            _ => Results.NotFound().ExecuteAsync(http),
        };
    }

    private IResult ListUsers(IQueryCollection query)
    {
        var wanted = query["id"].Select(id => Guid.Parse(id!)).ToHashSet();
        return PageOf(_users.Values.Where(user => wanted.Count == 0 || wanted.Contains(user.Id)).OrderBy(user => user.CreatedAt), query);
    }

    private IResult ListOrders(IQueryCollection query)
    {
        var status = query["status"].ToString();
        if (status.Length > 0 && status is not ("Pending" or "Compensating" or "Confirmed" or "Cancelled"))
        {
            return Results.ValidationProblem(
                new Dictionary<string, string[]> { ["status"] = ["'status' must be one of Pending, Compensating, Confirmed, Cancelled."] });
        }

        var users = query["userId"].Select(id => Guid.Parse(id!)).ToHashSet();
        var orders = _orders.Values
            .Where(order => users.Count == 0 || users.Contains(order.UserId))
            .Where(order => status.Length == 0 || order.Status == status)
            .OrderBy(order => order.CreatedAt)
            .Select(order => order with { Steps = null });
        return PageOf(orders, query);
    }

    private static IResult PageOf<T>(IEnumerable<T> items, IQueryCollection query)
    {
        var page = Number(query["page"], 1);
        var limit = Number(query["limit"], 20);
        var all = items.ToList();
        return Results.Ok(new
        {
            data = all.Skip((page - 1) * limit).Take(limit),
            pagination = new { page, limit, total = all.Count, pages = (all.Count + limit - 1) / limit },
        });
    }

    private static int Number(StringValues value, int fallback) => value.Count == 0 ? fallback : int.Parse(value.ToString(), System.Globalization.CultureInfo.InvariantCulture);

    private static IResult Find<T>(ConcurrentDictionary<Guid, T> items, string id, string what) =>
        Guid.TryParse(id, out var key) && items.TryGetValue(key, out var item)
            ? Results.Ok(item)
            : Results.Problem(title: $"{what} not found.", detail: $"No {what.ToLowerInvariant()} has the id '{id}'.", statusCode: 404);

    private async Task CreateUserAsync(HttpContext http)
    {
        var body = await http.Request.ReadFromJsonAsync<ShopUserRequest>();
        if (body?.Email is not { } email || !email.Contains('@', StringComparison.Ordinal))
        {
            await Results.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["'email' must be an e-mail address."] }).ExecuteAsync(http);
            return;
        }

        var user = AddUser(body.Name ?? "", email);
        await Results.Created($"/api/v1/users/{user.Id}", user).ExecuteAsync(http);
    }

    private async Task PlaceOrderAsync(HttpContext http)
    {
        var body = await http.Request.ReadFromJsonAsync<ShopOrderRequest>();
        if (string.IsNullOrEmpty(http.Request.Headers["Idempotency-Key"]) || body?.UserId is null || !_users.ContainsKey(body.UserId.Value))
        {
            await Results.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["No user has this id."] }).ExecuteAsync(http);
            return;
        }

        var order = AddOrder(body.UserId.Value, "Pending", 0m) with
        {
            Total = null,
            Items = [.. body.Items.Select(item => new ShopItem(item.Sku, item.Quantity, null))],
            ShippingAddress = body.ShippingAddress,
        };
        _orders[order.Id] = order;
        await Results.Accepted($"/api/v1/orders/{order.Id}", order).ExecuteAsync(http);
    }
}

internal sealed record ReceivedCall(string Service, string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers);

internal sealed record ShopUser(Guid Id, string Name, string Email, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record ShopOrder(
    Guid Id,
    Guid UserId,
    string Status,
    decimal? Total,
    IReadOnlyList<ShopItem> Items,
    ShopAddress ShippingAddress,
    IReadOnlyList<ShopStep>? Steps,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record ShopItem(string Sku, int Quantity, decimal? UnitPrice);

internal sealed record ShopAddress(string Line1, string City, string PostalCode, string Country);

internal sealed record ShopStep(string Name, string Status, string? Reason);

internal sealed record ShopUserRequest(string? Name, string? Email);

internal sealed record ShopOrderRequest(Guid? UserId, IReadOnlyList<ShopItem> Items, ShopAddress ShippingAddress);

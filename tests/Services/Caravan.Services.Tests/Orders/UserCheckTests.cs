using System.Net;
using Caravan.Orders;
using Caravan.Orders.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Caravan.Services.Tests.Orders;

/// <summary>Orders asks Users whether the customer exists before it accepts an order.</summary>
public sealed class UserCheckTests : IAsyncLifetime
{
    private static readonly Guid KnownUser = Guid.NewGuid();
    private readonly TestDirectory _directory = new();
    private WebApplication _users = null!;
    private string _usersAddress = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _users = builder.Build();
        _users.MapGet("/api/v1/users/{id}", (Guid id) => id == KnownUser ? Results.Ok(new { id }) : Results.NotFound());
        await _users.StartAsync();
        _usersAddress = _users.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await _users.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task An_order_for_a_known_user_is_accepted_and_one_for_an_unknown_user_names_userId()
    {
        await using var orders = await StartOrdersAsync(_usersAddress);

        using var known = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(KnownUser), "known"));
        using var unknown = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(Guid.NewGuid()), "unknown"));

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        await PlaceOrderTests.AssertProblemNamesAsync(unknown, "userId");
    }

    [Fact]
    public async Task While_users_is_down_placing_an_order_answers_503_and_writes_nothing()
    {
        await using var orders = await StartOrdersAsync("http://127.0.0.1:1");

        using var response = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(KnownUser), "users-down"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        using var list = await orders.Client.GetAsync(new Uri("/api/v1/orders", UriKind.Relative));
        Assert.Equal(0, (await list.ReadJsonAsync()).GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task An_open_circuit_breaker_counts_as_unavailable_not_as_a_server_error()
    {
        using var http = new HttpClient(new ThrowingHandler(new BrokenCircuitException("open"))) { BaseAddress = new Uri("http://users") };
        var client = new UsersClient(http, Options.Create(new OrdersOptions()), TimeProvider.System);

        Assert.Equal(UserLookup.Unavailable, await client.FindAsync(Guid.NewGuid(), CancellationToken.None));
    }

    private Task<ServiceHost> StartOrdersAsync(string usersAddress) =>
        OrdersHost.StartAsync(_directory.Path, verifyUsers: true, configure: builder =>
        {
            builder.Configuration["services:users:http:0"] = usersAddress;
            builder.Configuration["Caravan:Orders:UsersTimeout"] = "00:00:02";
        });

    private sealed class ThrowingHandler(Exception exception) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(exception);
    }
}

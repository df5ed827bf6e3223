using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Caravan.Services.Tests.Users;

/// <summary>
/// A stand-in for the Orders service's <c>GET /api/v1/orders</c> on a free loopback port: it echoes the
/// query into a one-order page, records every query it receives, and can be told to fail with a status.
/// </summary>
public sealed class FakeOrdersService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<IQueryCollection> _queries = new();

    private FakeOrdersService(WebApplication app) => _app = app;

    /// <summary>The root address, e.g. <c>http://127.0.0.1:41234</c>, as configuration for <c>services:orders:http:0</c>.</summary>
    public string Address { get; private set; } = "";

    /// <summary>When set, every request answers this status with a problem body.</summary>
    public int? FailWith { get; set; }

    public IReadOnlyList<IQueryCollection> Queries => [.. _queries];

    public static async Task<FakeOrdersService> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeOrdersService(app);
        app.MapGet("/api/v1/orders", (HttpContext context) =>
        {
            fake._queries.Enqueue(context.Request.Query);
            if (fake.FailWith is { } status)
            {
                return Results.Problem(title: "Orders is failing on purpose.", statusCode: status);
            }

            var page = int.Parse(context.Request.Query["page"]!, System.Globalization.CultureInfo.InvariantCulture);
            var limit = int.Parse(context.Request.Query["limit"]!, System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(new
            {
                data = new[] { new { id = "0197a5c2-0000-7000-8000-000000000001", userId = context.Request.Query["userId"].ToString(), status = "Confirmed", total = 36.97m } },
                pagination = new { page, limit, total = 1, pages = 1 },
            });
        });
        await app.StartAsync();
        fake.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

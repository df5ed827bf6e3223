using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Caravan.Services.Tests.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Services.Tests.Orders;

/// <summary>
/// Orders checks stock with Inventory's gRPC GetStock before it starts a saga: a real Inventory on its
/// h2c endpoint, found by Orders through service discovery configuration (<c>services:inventory:grpc:0</c>).
/// </summary>
public sealed class StockCheckTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private InventoryGrpcHost _inventory = null!;

    public async Task InitializeAsync()
    {
        _inventory = await InventoryGrpcHost.StartAsync(_directory.Path);
        await _inventory.CreateProductAsync("TENT", 120.00m, 5);
        await _inventory.CreateProductAsync("GONE", 9.99m, 0);
    }

    public async Task DisposeAsync()
    {
        await _inventory.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task An_order_within_stock_is_accepted()
    {
        await using var orders = await StartOrdersAsync(_inventory.GrpcAddress);

        using var response = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: ("TENT", 5)), "enough"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task An_order_for_more_than_is_available_is_409_OUT_OF_STOCK_and_creates_nothing()
    {
        await using var orders = await StartOrdersAsync(_inventory.GrpcAddress);

        using var response = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: [("TENT", 1), ("GONE", 1)]), "sold-out"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("OUT_OF_STOCK", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors");
        Assert.Equal(["items[1].quantity"], errors.EnumerateObject().Select(error => error.Name));
        Assert.Contains("0 available", errors.GetProperty("items[1].quantity")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountOrdersAsync(orders));
    }

    [Fact]
    public async Task A_key_refused_for_stock_is_checked_again_when_it_is_replayed()
    {
        await using var orders = await StartOrdersAsync(_inventory.GrpcAddress);
        using var refused = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: ("TENT", 6)), "restocked"));

        await _inventory.SetStockAsync("TENT", 120.00m, 6);
        using var accepted = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: ("TENT", 6)), "restocked"));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(1, await CountOrdersAsync(orders));
    }

    [Fact]
    public async Task An_accepted_key_replays_its_order_without_a_new_check()
    {
        await using var orders = await StartOrdersAsync(_inventory.GrpcAddress);
        var body = OrdersHost.Order(items: ("TENT", 2));
        using var first = await orders.Client.SendAsync(OrdersHost.Post(body, "replayed"));

        await _inventory.SetStockAsync("TENT", 120.00m, 0);
        using var replay = await orders.Client.SendAsync(OrdersHost.Post(body, "replayed"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal((await first.ReadJsonAsync()).GetProperty("id").GetGuid(), (await replay.ReadJsonAsync()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task An_order_for_an_unknown_sku_is_422_naming_items_i_sku()
    {
        await using var orders = await StartOrdersAsync(_inventory.GrpcAddress);

        using var response = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: [("TENT", 1), ("NOPE", 1), ("ALSO-NOPE", 2)]), "unknown"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("UNKNOWN_SKU", problem.GetProperty("code").GetString());
        Assert.Equal(["items[1].sku", "items[2].sku"], problem.GetProperty("errors").EnumerateObject().Select(error => error.Name).Order());
        Assert.Equal(0, await CountOrdersAsync(orders));
    }

    [Fact]
    public async Task While_inventory_is_down_an_order_is_accepted_and_the_skipped_check_is_counted()
    {
        var closed = ClosedAddress();
        await using var orders = await StartOrdersAsync(closed);
        using var skipped = new SkippedChecks(orders);

        using var response = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: ("GONE", 1)), "inventory-down"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(["Unavailable"], skipped.Statuses);
    }

    [Fact]
    public async Task When_inventory_does_not_answer_before_the_deadline_the_order_is_accepted()
    {
        using var silent = new SilentServer();
        await using var orders = await StartOrdersAsync(silent.Address, timeout: "00:00:00.300");
        using var skipped = new SkippedChecks(orders);

        using var response = await orders.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(items: ("GONE", 1)), "inventory-silent"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(silent.Connections > 0, "Orders never called the silent inventory");
        Assert.Equal(["DeadlineExceeded"], skipped.Statuses);
    }

    private Task<ServiceHost> StartOrdersAsync(Uri inventory, string timeout = "00:00:02") =>
        OrdersHost.StartAsync(_directory.Path, configure: builder =>
        {
            builder.Configuration["Caravan:Orders:CheckStock"] = "true";
            builder.Configuration["Caravan:Orders:StockCheckTimeout"] = timeout;
            builder.Configuration["services:inventory:grpc:0"] = inventory.ToString();
        });

    private static async Task<int> CountOrdersAsync(ServiceHost orders)
    {
        using var list = await orders.Client.GetAsync(new Uri("/api/v1/orders", UriKind.Relative));
        return (await list.ReadJsonAsync()).GetProperty("pagination").GetProperty("total").GetInt32();
    }

    /// <summary>A loopback address nothing listens on (a port just released by a listener): connections are refused.</summary>
    private static Uri ClosedAddress()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>Records <c>caravan.orders.stock_check.skipped</c> of one Orders host (its own meter factory).</summary>
    private sealed class SkippedChecks : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<string> _statuses = [];

        public SkippedChecks(ServiceHost orders)
        {
            var factory = orders.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "caravan.orders.stock_check.skipped" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                lock (_statuses)
                {
                    foreach (var tag in tags)
                    {
                        if (tag.Key == "status")
                        {
                            _statuses.Add(tag.Value?.ToString() ?? "");
                        }
                    }
                }
            });
            _listener.Start();
        }

        public IReadOnlyList<string> Statuses
        {
            get
            {
                lock (_statuses)
                {
                    return [.. _statuses];
                }
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Accepts TCP connections and never answers: a hung Inventory.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _sockets = [];
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public SilentServer()
        {
            _listener.Start();
            Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _ = AcceptAsync();
        }

        public Uri Address { get; }

        public int Connections => Volatile.Read(ref _connections);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    socket.Dispose();
                }
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                    lock (_sockets)
                    {
                        _sockets.Add(socket);
                    }
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}

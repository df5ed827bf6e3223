using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Caravan.Bench.Orders;

/// <summary>One placed order as the client saw it: when its first POST started (wall clock) and how long until it was accepted.</summary>
internal sealed record PlacedOrder(Guid Id, DateTimeOffset PostStart, double AcceptMs, int Attempts);

/// <summary>An order as the system reports it at the end.</summary>
internal sealed record FinalOrder(Guid Id, string Status, string? Reason, DateTimeOffset UpdatedAt);

/// <summary>
/// Everything the benchmark does through the public entry point (the gateway): set up users and a
/// product, place orders from closed-loop clients like a careful client (an Idempotency-Key per order,
/// retried with the same key on a 5xx, a 429, a timeout or a refused connection), and read the orders back.
/// </summary>
internal sealed class OrderLoad(HttpClient gateway, TimeProvider time)
{
    public const string Sku = "BENCH-ORDERS-1";

    private static readonly TimeSpan PerOrderDeadline = TimeSpan.FromMinutes(2);

    private readonly List<Guid> _users = [];
    private int _retries;

    /// <summary>Failed attempts that were retried, since the start.</summary>
    public int Retries => _retries;

    /// <summary>Distinct failures seen on retried attempts (status or exception), with their counts.</summary>
    public Dictionary<string, int> Failures { get; } = new(StringComparer.Ordinal);

    public async Task SetUpAsync(int stock, CancellationToken cancellationToken)
    {
        for (var index = 0; index < 8; index++)
        {
            var user = await PostAsync("/api/v1/users", new { name = $"Bench shopper {index}", email = $"bench{index}@example.com" }, cancellationToken);
            _users.Add(user.GetProperty("id").GetGuid());
        }

        await PostAsync("/api/v1/products", new { sku = Sku, name = "Benchmark widget", price = 9.99m, stock }, cancellationToken);
    }

    /// <summary>Places <paramref name="count"/> orders from <paramref name="concurrency"/> clients, each posting its next order when the last was accepted.</summary>
    public async Task<List<PlacedOrder>> PlaceAsync(int count, int concurrency, string keyPrefix, CancellationToken cancellationToken)
    {
        var placed = new PlacedOrder[count];
        var next = -1;
        var clients = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int number;
            while ((number = Interlocked.Increment(ref next)) < count)
            {
                placed[number] = await PlaceOneAsync(number, $"{keyPrefix}-{number.ToString("D6", CultureInfo.InvariantCulture)}", cancellationToken);
            }
        });
        await Task.WhenAll(clients);
        return [.. placed];
    }

    /// <summary>Orders still Pending or Compensating.</summary>
    public async Task<long> CountUnfinishedAsync(CancellationToken cancellationToken) =>
        await TotalAsync("/api/v1/orders?status=Pending&limit=1", cancellationToken)
        + await TotalAsync("/api/v1/orders?status=Compensating&limit=1", cancellationToken);

    /// <summary>The <c>pagination.total</c> of a list.</summary>
    public async Task<long> TotalAsync(string path, CancellationToken cancellationToken)
    {
        var page = await gateway.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative), cancellationToken);
        return page.GetProperty("pagination").GetProperty("total").GetInt64();
    }

    public async Task<List<FinalOrder>> ReadAllOrdersAsync(CancellationToken cancellationToken)
    {
        var orders = new List<FinalOrder>();
        for (var page = 1; ; page++)
        {
            var body = await gateway.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/orders?page={page}&limit=100", UriKind.Relative), cancellationToken);
            orders.AddRange(body.GetProperty("data").EnumerateArray().Select(order => new FinalOrder(
                order.GetProperty("id").GetGuid(),
                order.GetProperty("status").GetString() ?? "?",
                order.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null,
                order.GetProperty("updatedAt").GetDateTimeOffset())));
            if (page >= body.GetProperty("pagination").GetProperty("pages").GetInt64())
            {
                return orders;
            }
        }
    }

    private async Task<PlacedOrder> PlaceOneAsync(int number, string key, CancellationToken cancellationToken)
    {
        var body = new
        {
            userId = _users[number % _users.Count].ToString(),
            items = new[] { new { sku = Sku, quantity = 1 + (number % 3) } },
            payment = new { cardNumber = "4242424242424242" },
            shippingAddress = new { line1 = $"{number} Benchmark Road", city = "Lisbon", postalCode = "1000-001", country = "PT" },
        };
        var start = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/orders", UriKind.Relative)) { Content = JsonContent.Create(body) };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await gateway.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    return new PlacedOrder(accepted.GetProperty("id").GetGuid(), start, clock.Elapsed.TotalMilliseconds, attempt);
                }

                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    throw new InvalidOperationException($"Order {key} was refused with {(int)response.StatusCode}: {text}");
                }

                failure = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is HttpRequestException or TaskCanceledException)
            {
                failure = exception is TaskCanceledException ? "client timeout" : $"{exception.GetType().Name}: {exception.Message}";
            }

            Interlocked.Increment(ref _retries);
            lock (Failures)
            {
                Failures[failure] = Failures.GetValueOrDefault(failure) + 1;
            }

            if (clock.Elapsed > PerOrderDeadline)
            {
                throw new TimeoutException($"Order {key} was not accepted within {PerOrderDeadline}; last failure: {failure}");
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    private async Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await gateway.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.Created
            ? JsonSerializer.Deserialize<JsonElement>(text)
            : throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Caravan.EndToEnd.Tests.Scenario;

/// <summary>
/// Places planned orders through the gateway like a careful client: every POST carries the order's
/// Idempotency-Key, and a failed attempt (connection refused, 5xx, timeout — as happens while a
/// process is being killed) is retried with the same key until the order is accepted — or refused
/// with 409 OUT_OF_STOCK by Orders' synchronous stock check, which only an order that asks for a
/// product that can run out (<see cref="PlannedOrder.MayBeOutOfStock"/>) may get. Any other 4xx fails the run.
/// </summary>
public sealed class Shopper(HttpClient gateway, TimeSpan perOrderDeadline)
{
    private int _retries;

    /// <summary>Accepted order id by idempotency key.</summary>
    public ConcurrentDictionary<string, Guid> Accepted { get; } = new(StringComparer.Ordinal);

    /// <summary>Orders refused with 409 OUT_OF_STOCK (nothing was created for them), with the problem's body, by idempotency key.</summary>
    public ConcurrentDictionary<string, string> Refused { get; } = new(StringComparer.Ordinal);

    /// <summary>How many attempts failed and were retried.</summary>
    public int Retries => _retries;

    public async Task PlaceAllAsync(IReadOnlyList<PlannedOrder> orders, int concurrency, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(
            orders,
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (order, token) =>
            {
                Outcome outcome;
                if (order.Kind == OrderKind.SubmittedTwice && order.Number % 2 == 0)
                {
                    // Both copies at once: the race must still yield one order.
                    var both = await Task.WhenAll(PlaceAsync(order, token), PlaceAsync(order, token));
                    Assert.Equal(both[0].Id, both[1].Id);
                    outcome = both[0];
                }
                else
                {
                    outcome = await PlaceAsync(order, token);
                    if (order.Kind == OrderKind.SubmittedTwice)
                    {
                        Assert.Equal(outcome.Id, (await PlaceAsync(order, token)).Id);
                    }
                }

                if (outcome.Id is { } id)
                {
                    Accepted[order.IdempotencyKey] = id;
                }
                else
                {
                    Refused[order.IdempotencyKey] = outcome.Refusal!;
                }
            });
    }

    private async Task<Outcome> PlaceAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(perOrderDeadline);
        var delay = TimeSpan.FromMilliseconds(100);
        string? lastFailure = null;
        var failures = new List<string>();
        string Failures() =>
            $"last failure: {lastFailure}; {failures.Count} failed attempts: {string.Join(" | ", failures.TakeLast(12))}";
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(order.Body) };
                request.Headers.Add("Idempotency-Key", order.IdempotencyKey);
                using var response = await gateway.SendAsync(request, deadline.Token);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>(deadline.Token);
                    return new Outcome(body.GetProperty("id").GetGuid(), null);
                }

                var text = await response.Content.ReadAsStringAsync(deadline.Token);
                if (response.StatusCode == HttpStatusCode.Conflict && order.MayBeOutOfStock && IsOutOfStock(text))
                {
                    return new Outcome(null, text);
                }

                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    Assert.Fail($"Order {order.Number} ({order.Kind}) was refused with {(int)response.StatusCode}: {text}");
                }

                lastFailure = $"{(int)response.StatusCode} {text}";
                failures.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {(int)response.StatusCode} {Shorten(text)}");
            }
            catch (Exception exception) when (!deadline.IsCancellationRequested && exception is HttpRequestException or OperationCanceledException or IOException)
            {
                lastFailure = exception.Message;
                failures.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {exception.GetType().Name}: {Shorten(exception.Message)}");
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Order {order.Number} was not accepted within {perOrderDeadline}; {Failures()}");
            }

            Interlocked.Increment(ref _retries);
            try
            {
                await Task.Delay(delay, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Order {order.Number} was not accepted within {perOrderDeadline}; {Failures()}");
            }

            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";

    private static bool IsOutOfStock(string problem)
    {
        try
        {
            using var document = JsonDocument.Parse(problem);
            return document.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() == "OUT_OF_STOCK";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>An accepted order's id, or the body of its OUT_OF_STOCK refusal.</summary>
    private readonly record struct Outcome(Guid? Id, string? Refusal);
}

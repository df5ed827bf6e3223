using System.Text.Json;
using Caravan.ServiceDefaults.Paging;
using Microsoft.Extensions.Options;
using Polly;

namespace Caravan.Users.Orders;

/// <summary>
/// The Orders service's HTTP API as Users needs it. The address <c>http://orders</c> is resolved by
/// service discovery (configuration <c>services:orders:http:0</c>). Every way the call can fail —
/// refused, timed out, circuit open, an error status, a body that is not a page — comes back as an
/// <see cref="OrdersPage"/> with a reason rather than an exception, so the caller can answer 503.
/// </summary>
internal sealed partial class OrdersClient(HttpClient http, IOptions<OrdersClientOptions> options, TimeProvider time, ILogger<OrdersClient> logger)
{
    public static readonly Uri ServiceAddress = new("http://orders");

    public async Task<OrdersPage> ListForUserAsync(Guid userId, PageRequest page, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.Value.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var path = $"api/v1/orders?userId={userId}&page={page.Page}&limit={page.Limit}";
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(userId, $"The orders service answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(linked.Token);
            return body.ValueKind == JsonValueKind.Object && body.TryGetProperty("data", out _) && body.TryGetProperty("pagination", out _)
                ? new OrdersPage(body, null)
                : Failed(userId, "The orders service answered with a body that is not a page of orders.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(userId, $"The orders service did not answer within {options.Value.Timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException exception)
        {
            return Failed(userId, $"The orders service could not be reached: {exception.Message}");
        }
        catch (ExecutionRejectedException exception)
        {
            // Polly refused the call: the circuit is open or an attempt timed out.
            return Failed(userId, $"The orders service is not accepting calls: {exception.Message}");
        }
        catch (JsonException)
        {
            return Failed(userId, "The orders service answered with a body that is not valid JSON.");
        }
    }

    private OrdersPage Failed(Guid userId, string reason)
    {
        LogOrdersUnavailable(logger, userId, reason);
        return new OrdersPage(null, reason);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not list the orders of user {UserId}: {Reason}")]
    private static partial void LogOrdersUnavailable(ILogger logger, Guid userId, string reason);
}

/// <summary>The Orders service's answer: its <c>{ data, pagination }</c> body as it came, or why there is none.</summary>
internal sealed record OrdersPage(JsonElement? Body, string? Failure);

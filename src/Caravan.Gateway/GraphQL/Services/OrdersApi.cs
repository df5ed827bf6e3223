using Microsoft.Extensions.Options;

namespace Caravan.Gateway.GraphQL.Services;

/// <summary>The Orders service (<c>http://orders</c> through service discovery), as the resolvers need it.</summary>
internal sealed class OrdersApi(HttpClient http, IOptions<CaravanGraphQLOptions> options, TimeProvider time)
    : ServiceApi(http, options, time, "orders")
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private const int MaxLimit = 100;

    public Task<PageData<OrderData>> ListAsync(string? status, Guid? userId, int page, int limit, CancellationToken cancellationToken) =>
        GetAsync<PageData<OrderData>>(
            Query.Build("/api/v1/orders", ("status", status), ("userId", userId), ("page", page), ("limit", limit)), cancellationToken);

    /// <summary>The order with its saga steps, or a <c>NOT_FOUND</c> error.</summary>
    public Task<OrderData> GetAsync(Guid id, CancellationToken cancellationToken) =>
        GetAsync<OrderData>($"/api/v1/orders/{id}", cancellationToken);

    /// <summary>
    /// The orders of every user in <paramref name="userIds"/>: <c>GET /api/v1/orders?userId=…&amp;userId=…</c>
    /// for up to 100 users at a time, through all its pages (one call when they fit in one page).
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<OrderData>>> ListByUsersAsync(
        IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var found = userIds.Distinct().ToDictionary(id => id, _ => new List<OrderData>());
        foreach (var chunk in found.Keys.Chunk(MaxLimit))
        {
            var users = chunk.Select(id => ("userId", (object)id)).ToList();
            PageData<OrderData> page;
            var number = 1;
            do
            {
                page = await GetAsync<PageData<OrderData>>(
                    Query.Build("/api/v1/orders", [.. users, ("page", number), ("limit", MaxLimit)]), cancellationToken);
                foreach (var order in page.Data)
                {
                    if (found.TryGetValue(order.UserId, out var orders))
                    {
                        orders.Add(order);
                    }
                }

                number++;
            }
            while (number <= page.Pagination.Pages && page.Data.Count > 0);
        }

        return found.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<OrderData>)pair.Value);
    }

    /// <summary>
    /// Places an order under <paramref name="idempotencyKey"/> (sent as the <c>Idempotency-Key</c> header, so
    /// a retry never places a second order); invalid input (400, 422) is a failed result, not an error.
    /// </summary>
    public Task<MutationResult<OrderData>> PlaceAsync(IDictionary<string, object?> input, string idempotencyKey, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/orders", UriKind.Relative))
        {
            Content = JsonContent.Create(input, options: Json),
        };
        request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        return SendAsync(request, ReadMutationAsync<OrderData>, cancellationToken);
    }
}

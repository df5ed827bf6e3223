using System.Net;
using Microsoft.Extensions.Options;
using Polly;

namespace Caravan.Orders.Api;

internal enum UserLookup
{
    Found,
    NotFound,
    Unavailable,
}

/// <summary>
/// Asks the Users service (found through service discovery as <c>http://users</c>) whether a user
/// exists, within <see cref="OrdersOptions.UsersTimeout"/> (retries included), so that a caller placing
/// an order hears "unavailable, retry" quickly instead of waiting out every retry.
/// </summary>
internal sealed class UsersClient(HttpClient http, IOptions<OrdersOptions> options, TimeProvider time)
{
    public async Task<UserLookup> FindAsync(Guid userId, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Value.UsersTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var response = await http.GetAsync(new Uri($"/api/v1/users/{userId}", UriKind.Relative), deadline.Token);
            return response.StatusCode switch
            {
                HttpStatusCode.NotFound => UserLookup.NotFound,
                _ when response.IsSuccessStatusCode => UserLookup.Found,
                _ => UserLookup.Unavailable,
            };
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
            && exception is HttpRequestException or TimeoutException or OperationCanceledException or ExecutionRejectedException)
        {
            // Connection refused, the deadline, or the resilience pipeline refusing to try (an open
            // circuit breaker is an ExecutionRejectedException): Users cannot answer now.
            return UserLookup.Unavailable;
        }
    }
}

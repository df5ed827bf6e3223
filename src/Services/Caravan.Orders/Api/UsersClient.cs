using System.Net;

namespace Caravan.Orders.Api;

internal enum UserLookup
{
    Found,
    NotFound,
    Unavailable,
}

/// <summary>Asks the Users service (found through service discovery as <c>http://users</c>) whether a user exists.</summary>
internal sealed class UsersClient(HttpClient http)
{
    public async Task<UserLookup> FindAsync(Guid userId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"/api/v1/users/{userId}", UriKind.Relative), cancellationToken);
            return response.StatusCode switch
            {
                HttpStatusCode.NotFound => UserLookup.NotFound,
                _ when response.IsSuccessStatusCode => UserLookup.Found,
                _ => UserLookup.Unavailable,
            };
        }
        catch (Exception exception) when (exception is HttpRequestException or TimeoutException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            || exception.GetType().Name.Contains("Rejected", StringComparison.Ordinal))
        {
            // Connection refused, a timeout, or the resilience pipeline's circuit breaker: Users cannot answer now.
            return UserLookup.Unavailable;
        }
    }
}

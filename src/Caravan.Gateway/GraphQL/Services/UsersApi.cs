using Microsoft.Extensions.Options;

namespace Caravan.Gateway.GraphQL.Services;

/// <summary>The Users service (<c>http://users</c> through service discovery), as the resolvers need it.</summary>
internal sealed class UsersApi(HttpClient http, IOptions<CaravanGraphQLOptions> options, TimeProvider time)
    : ServiceApi(http, options, time, "users")
{
    /// <summary>The most ids one <c>GET /api/v1/users?id=…</c> may carry.</summary>
    public const int MaxIdsPerCall = 100;

    public Task<PageData<UserData>> ListAsync(int page, int limit, CancellationToken cancellationToken) =>
        GetAsync<PageData<UserData>>(Query.Build("/api/v1/users", ("page", page), ("limit", limit)), cancellationToken);

    /// <summary>The user, or a <c>NOT_FOUND</c> error.</summary>
    public Task<UserData> GetAsync(Guid id, CancellationToken cancellationToken) =>
        GetAsync<UserData>($"/api/v1/users/{id}", cancellationToken);

    /// <summary>The live users among <paramref name="ids"/>, one call per <see cref="MaxIdsPerCall"/> ids.</summary>
    public async Task<IReadOnlyDictionary<Guid, UserData>> FindManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, UserData>();
        foreach (var chunk in ids.Distinct().Chunk(MaxIdsPerCall))
        {
            var path = Query.Build("/api/v1/users", [.. chunk.Select(id => ("id", (object)id)), ("limit", MaxIdsPerCall)]);
            var page = await GetAsync<PageData<UserData>>(path, cancellationToken);
            foreach (var user in page.Data)
            {
                found[user.Id] = user;
            }
        }

        return found;
    }

    /// <summary>Creates a user; invalid input (400) or a taken e-mail (409) is a failed result, not an error.</summary>
    public Task<MutationResult<UserData>> CreateAsync(string name, string email, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/users", UriKind.Relative))
        {
            Content = JsonContent.Create(new { name, email }, options: Json),
        };
        return SendAsync(request, ReadMutationAsync<UserData>, cancellationToken);
    }
}

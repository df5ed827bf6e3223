using GraphQL.DataLoader;

namespace Caravan.Gateway.GraphQL.Batching;

/// <summary>
/// Collects the keys that resolvers ask for and fetches them together, once, when the first answer is
/// needed. GraphQL.NET runs every resolver of a level before it awaits any <see cref="IDataLoaderResult"/>
/// a resolver returned, so <c>users { orders }</c> asks for all users' orders in one fetch. Each key is
/// fetched at most once per loader; a loader lives for one GraphQL request (see <see cref="RequestLoaders"/>).
/// </summary>
/// <remarks>
/// GraphQL.NET's own DataLoader package is not among the packages this project can use; the execution
/// engine's support for deferred results (<see cref="IDataLoaderResult{T}"/>) is in the main package, and this
/// is the small batching part on top of it.
/// </remarks>
internal sealed class BatchLoader<TKey, TValue>(
    Func<IReadOnlyCollection<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
    where TKey : notnull
    where TValue : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, Batch> _batchOf = [];
    private Batch _open = new();

    /// <summary>A result for <paramref name="key"/> that is fetched, with the other keys asked for so far, when first awaited.</summary>
    public IDataLoaderResult<TValue?> Load(TKey key)
    {
        lock (_gate)
        {
            if (!_batchOf.TryGetValue(key, out var batch))
            {
                batch = _open;
                batch.Keys.Add(key);
                _batchOf[key] = batch;
            }

            return new Pending(this, batch, key);
        }
    }

    private Task<IReadOnlyDictionary<TKey, TValue>> Dispatch(Batch batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (batch.Fetch is null)
            {
                if (ReferenceEquals(batch, _open))
                {
                    _open = new Batch();
                }

                batch.Fetch = fetch(batch.Keys, cancellationToken);
            }

            return batch.Fetch;
        }
    }

    private sealed class Batch
    {
        public List<TKey> Keys { get; } = [];

        public Task<IReadOnlyDictionary<TKey, TValue>>? Fetch { get; set; }
    }

    private sealed class Pending(BatchLoader<TKey, TValue> loader, Batch batch, TKey key) : IDataLoaderResult<TValue?>
    {
        public async Task<TValue?> GetResultAsync(CancellationToken cancellationToken = default)
        {
            IReadOnlyDictionary<TKey, TValue> values;
            try
            {
                values = await loader.Dispatch(batch, cancellationToken);
            }
            catch (CaravanGraphQLError error)
            {
                throw error.Copy();
            }

            return values.TryGetValue(key, out var value) ? value : null;
        }

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) =>
            await GetResultAsync(cancellationToken);
    }
}

using System.Data.Common;

namespace Caravan.Sagas;

/// <summary>
/// Where saga instances live: the orchestrator's own database, in the transaction that also holds
/// the outbox rows of the commands a transition sends. A store maps its storage's conflict to
/// <see cref="SagaConcurrencyException"/>.
/// </summary>
public interface ISagaStore
{
    /// <summary>Creates the saga table when missing (idempotent).</summary>
    Task EnsureSchemaAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>Stores a new instance; throws <see cref="SagaConcurrencyException"/> when one with its id exists.</summary>
    Task InsertAsync(SagaInstance instance, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    Task<SagaInstance?> FindAsync(Guid id, DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="instance"/> if its stored version is still <paramref name="expectedVersion"/>, and sets its new version.</summary>
    Task UpdateAsync(SagaInstance instance, long expectedVersion, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    Task<IReadOnlyList<SagaInstance>> QueryAsync(SagaQuery query, DbConnection connection, CancellationToken cancellationToken);
}

/// <summary>A filter over saga instances: by status, definition and age, oldest change first.</summary>
public sealed record SagaQuery
{
    public SagaStatus? Status { get; init; }

    public string? Definition { get; init; }

    /// <summary>Only instances not changed since this moment (for example "stuck for more than an hour").</summary>
    public DateTimeOffset? UpdatedBefore { get; init; }

    public int Limit { get; init; } = 100;
}

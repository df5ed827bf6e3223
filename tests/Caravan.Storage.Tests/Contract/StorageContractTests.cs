using Caravan.Sagas;

namespace Caravan.Storage.Tests;

/// <summary>
/// What every storage of a service database must do, whatever engine it runs on: the outbox (with
/// scheduled rows and concurrent relays), the inbox and the saga store. Each engine inherits this class
/// once and supplies a fresh database per test; the assertions are the same for all.
/// </summary>
public abstract partial class StorageContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Epoch = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private IServiceDatabase? _database;

    protected IServiceDatabase Database => _database ?? throw new InvalidOperationException("Not initialized.");

    protected SqlSagaStore Sagas { get; } = new();

    /// <summary>A new, empty service database (not yet initialized).</summary>
    protected abstract Task<IServiceDatabase> CreateDatabaseAsync();

    /// <summary>The outbox of <see cref="Database"/>, as the relay named <paramref name="relayId"/> sees it.</summary>
    protected abstract IOutboxStore CreateOutbox(string? relayId = null);

    protected abstract IInboxStore CreateInbox();

    public async Task InitializeAsync()
    {
        _database = await CreateDatabaseAsync();
        await _database.InitializeAsync();
        await using var transaction = await _database.BeginTransactionAsync();
        await Sagas.EnsureSchemaAsync(transaction.Connection, transaction.Transaction, CancellationToken.None);
        await transaction.CommitAsync();
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Initialize_IsIdempotent_AndKeepsTheData()
    {
        var outbox = CreateOutbox();
        var handled = Guid.CreateVersion7();
        await AddAsync(outbox, NewEnvelope());
        await RecordAsync(CreateInbox(), "a", handled, Epoch);

        await Database.InitializeAsync();
        await Database.InitializeAsync();

        Assert.Equal(1, await outbox.CountAsync());
        Assert.False(await RecordAsync(CreateInbox(), "a", handled, Epoch));
    }

    protected static Envelope NewEnvelope(string type = "t") => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = type,
        CreatedAt = Epoch,
        Body = "{}"u8.ToArray(),
    };

    protected async Task AddAsync(IOutboxStore outbox, params Envelope[] envelopes)
    {
        await using var transaction = await Database.BeginTransactionAsync();
        await outbox.AddAsync(transaction.Transaction, [.. envelopes.Select(envelope => OutgoingMessage.Send(envelope, "q"))]);
        await transaction.CommitAsync();
    }

    protected async Task<bool> RecordAsync(IInboxStore inbox, string endpoint, Guid id, DateTimeOffset at)
    {
        await using var transaction = await Database.BeginTransactionAsync();
        var first = await inbox.TryRecordAsync(transaction.Transaction, endpoint, id, at);
        await transaction.CommitAsync();
        return first;
    }
}

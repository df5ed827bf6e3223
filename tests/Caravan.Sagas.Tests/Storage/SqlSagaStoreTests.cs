using Dapper;
using Microsoft.Data.Sqlite;

namespace Caravan.Sagas.Tests;

/// <summary>The saga store against a real SQLite file, one per test.</summary>
public sealed class SqlSagaStoreTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Epoch = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TestDirectory _directory = new();
    private readonly SqlSagaStore _store = new();
    private readonly string _connectionString;

    public SqlSagaStoreTests()
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _directory.File("orchestrator.db"),
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
    }

    public async Task InitializeAsync()
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
        await _store.EnsureSchemaAsync(connection, null, CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task InsertThenFind_RoundTripsEveryField()
    {
        var instance = NewInstance("order", SagaStatus.Stuck, Epoch.AddMinutes(5));
        instance.CurrentStep = 1;
        instance.Phase = SagaPhase.Compensation;
        instance.Attempt = 3;
        instance.AwaitedCommands.AddRange([Guid.NewGuid(), Guid.NewGuid()]);
        instance.FailureReason = "ship: address unknown";
        instance.StuckReason = "compensation of charge failed 3 time(s): provider down";
        instance.Steps[0].Status = SagaStepStatus.Completed;
        instance.Steps[0].Attempts = 2;
        instance.Steps[1].Status = SagaStepStatus.Compensating;
        instance.Steps[1].Attempts = 1;
        instance.Steps[1].CompensationAttempts = 3;
        instance.Steps[1].Reason = "provider down";
        instance.Steps[2].Status = SagaStepStatus.Failed;
        instance.Steps[2].Uncertain = true;
        instance.Steps[2].Reason = "no reply after 3 attempt(s)";

        await InTransactionAsync((connection, transaction) => _store.InsertAsync(instance, connection, transaction, CancellationToken.None));
        Assert.Equal(1, instance.Version);

        var found = await FindAsync(instance.Id);

        Assert.NotNull(found);
        Assert.Equal(instance.Id, found.Id);
        Assert.Equal("order", found.Definition);
        Assert.Equal(SagaStatus.Stuck, found.Status);
        Assert.Equal(instance.Data, found.Data);
        Assert.Equal(1, found.CurrentStep);
        Assert.Equal(SagaPhase.Compensation, found.Phase);
        Assert.Equal(3, found.Attempt);
        Assert.Equal(instance.AwaitedCommands, found.AwaitedCommands);
        Assert.Equal(instance.FailureReason, found.FailureReason);
        Assert.Equal(instance.StuckReason, found.StuckReason);
        Assert.Equal(1, found.Version);
        Assert.Equal(instance.CreatedAt, found.CreatedAt);
        Assert.Equal(instance.UpdatedAt, found.UpdatedAt);
        Assert.Equal(instance.CreatedAt.Offset, found.CreatedAt.Offset);
        Assert.Equal(3, found.Steps.Count);
        for (var index = 0; index < 3; index++)
        {
            var (expected, actual) = (instance.Steps[index], found.Steps[index]);
            Assert.Equal(
                (expected.Name, expected.Status, expected.Reason, expected.Attempts, expected.CompensationAttempts, expected.Uncertain),
                (actual.Name, actual.Status, actual.Reason, actual.Attempts, actual.CompensationAttempts, actual.Uncertain));
        }

        // The filter columns: TEXT ids and timestamps, status by name.
        await using var connection = await OpenAsync();
        var row = await connection.QuerySingleAsync<(string Id, string IdType, string Definition, string Status, long Version, string CreatedAt, string UpdatedAt)>(
            "SELECT id, typeof(id), definition, status, version, created_at, updated_at FROM caravan_sagas");
        Assert.Equal((instance.Id.ToString(), "text", "order", "Stuck", 1L), (row.Id, row.IdType, row.Definition, row.Status, row.Version));
        Assert.Equal(DateTimeOffset.Parse(row.CreatedAt, System.Globalization.CultureInfo.InvariantCulture), instance.CreatedAt);
        Assert.Equal(DateTimeOffset.Parse(row.UpdatedAt, System.Globalization.CultureInfo.InvariantCulture), instance.UpdatedAt);
    }

    [Fact]
    public async Task Find_UnknownId_IsNull()
    {
        Assert.Null(await FindAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task Insert_RolledBack_LeavesNoSaga()
    {
        var instance = NewInstance("order", SagaStatus.Running, Epoch);
        await using var connection = await OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await _store.InsertAsync(instance, connection, transaction, CancellationToken.None);
            await transaction.RollbackAsync();
        }

        Assert.Null(await FindAsync(instance.Id));
    }

    [Fact]
    public async Task Insert_OfAnExistingId_ThrowsConcurrency_AndKeepsTheFirst()
    {
        var first = NewInstance("order", SagaStatus.Running, Epoch);
        await InTransactionAsync((connection, transaction) => _store.InsertAsync(first, connection, transaction, CancellationToken.None));
        var second = new SagaInstance
        {
            Id = first.Id,
            Definition = "other",
            Status = SagaStatus.Completed,
            Data = "{}",
            Steps = [],
            CreatedAt = Epoch.AddHours(1),
            UpdatedAt = Epoch.AddHours(1),
        };

        var error = await Assert.ThrowsAsync<SagaConcurrencyException>(() =>
            InTransactionAsync((connection, transaction) => _store.InsertAsync(second, connection, transaction, CancellationToken.None)));

        Assert.Equal(first.Id, error.SagaId);
        var stored = await FindAsync(first.Id);
        Assert.Equal(("order", SagaStatus.Running, 1L), (stored!.Definition, stored.Status, stored.Version));
    }

    [Fact]
    public async Task Update_WithTheCurrentVersion_StoresAndBumpsIt_AStaleVersionThrows()
    {
        var instance = NewInstance("order", SagaStatus.Running, Epoch);
        await InTransactionAsync((connection, transaction) => _store.InsertAsync(instance, connection, transaction, CancellationToken.None));

        var loaded = (await FindAsync(instance.Id))!;
        loaded.Status = SagaStatus.Compensating;
        loaded.FailureReason = "charge: declined";
        loaded.UpdatedAt = Epoch.AddSeconds(30);
        await InTransactionAsync((connection, transaction) => _store.UpdateAsync(loaded, 1, connection, transaction, CancellationToken.None));
        Assert.Equal(2, loaded.Version);

        var reloaded = (await FindAsync(instance.Id))!;
        Assert.Equal((SagaStatus.Compensating, "charge: declined", 2L, Epoch.AddSeconds(30)), (reloaded.Status, reloaded.FailureReason, reloaded.Version, reloaded.UpdatedAt));
        Assert.Equal(instance.CreatedAt, reloaded.CreatedAt);

        // The copy read before that update is stale.
        instance.Status = SagaStatus.Completed;
        var error = await Assert.ThrowsAsync<SagaConcurrencyException>(() =>
            InTransactionAsync((connection, transaction) => _store.UpdateAsync(instance, 1, connection, transaction, CancellationToken.None)));

        Assert.Equal((instance.Id, 1L), (error.SagaId, error.ExpectedVersion));
        Assert.Equal(1, instance.Version);
        var unchanged = (await FindAsync(instance.Id))!;
        Assert.Equal((SagaStatus.Compensating, 2L), (unchanged.Status, unchanged.Version));
        Assert.Equal(SagaStatus.Compensating, (await QueryAsync(new SagaQuery())).Single().Status);
    }

    [Fact]
    public async Task Update_OfAMissingSaga_ThrowsConcurrency()
    {
        var instance = NewInstance("order", SagaStatus.Running, Epoch);

        await Assert.ThrowsAsync<SagaConcurrencyException>(() =>
            InTransactionAsync((connection, transaction) => _store.UpdateAsync(instance, 1, connection, transaction, CancellationToken.None)));
    }

    [Fact]
    public async Task TwoConcurrentUpdaters_OfTheSameVersion_ExactlyOneWins()
    {
        for (var round = 0; round < 10; round++)
        {
            var instance = NewInstance("order", SagaStatus.Running, Epoch);
            await InTransactionAsync((connection, transaction) => _store.InsertAsync(instance, connection, transaction, CancellationToken.None));
            var copies = new[] { (await FindAsync(instance.Id))!, (await FindAsync(instance.Id))! };
            copies[0].Status = SagaStatus.Completed;
            copies[1].Status = SagaStatus.Compensating;
            using var start = new Barrier(2);

            var results = await Task.WhenAll(copies.Select(copy => Task.Run(async () =>
            {
                await using var connection = await OpenAsync();
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                await using var transaction = await connection.BeginTransactionAsync();
                try
                {
                    await _store.UpdateAsync(copy, 1, connection, transaction, CancellationToken.None);
                    await transaction.CommitAsync();
                    return (Status: copy.Status, Error: (Exception?)null);
                }
                catch (Exception error)
                {
                    await transaction.RollbackAsync();
                    return (Status: copy.Status, Error: error);
                }
            })));

            var winner = Assert.Single(results, result => result.Error is null);
            var loser = Assert.Single(results, result => result.Error is not null);
            Assert.IsType<SagaConcurrencyException>(loser.Error);
            var stored = (await FindAsync(instance.Id))!;
            Assert.Equal((winner.Status, 2L), (stored.Status, stored.Version));
        }
    }

    [Fact]
    public async Task Query_FiltersByStatusDefinitionAndAge_OldestChangeFirst_WithinTheLimit()
    {
        var stuckOld = NewInstance("order", SagaStatus.Stuck, Epoch.AddMinutes(1));
        var stuckNew = NewInstance("order", SagaStatus.Stuck, Epoch.AddMinutes(50));
        var stuckOtherSaga = NewInstance("refund", SagaStatus.Stuck, Epoch.AddMinutes(2));
        var running = NewInstance("order", SagaStatus.Running, Epoch.AddMinutes(3));
        var completed = NewInstance("order", SagaStatus.Completed, Epoch);
        foreach (var instance in new[] { stuckNew, running, stuckOld, completed, stuckOtherSaga })
        {
            await InTransactionAsync((connection, transaction) => _store.InsertAsync(instance, connection, transaction, CancellationToken.None));
        }

        Assert.Equal([completed.Id, stuckOld.Id, stuckOtherSaga.Id, running.Id, stuckNew.Id], Ids(await QueryAsync(new SagaQuery())));
        Assert.Equal([stuckOld.Id, stuckOtherSaga.Id, stuckNew.Id], Ids(await QueryAsync(new SagaQuery { Status = SagaStatus.Stuck })));
        Assert.Equal([stuckOld.Id, stuckNew.Id], Ids(await QueryAsync(new SagaQuery { Status = SagaStatus.Stuck, Definition = "order" })));
        Assert.Equal([stuckOtherSaga.Id], Ids(await QueryAsync(new SagaQuery { Definition = "refund" })));
        Assert.Equal(
            [stuckOld.Id, stuckOtherSaga.Id],
            Ids(await QueryAsync(new SagaQuery { Status = SagaStatus.Stuck, UpdatedBefore = Epoch.AddMinutes(10) })));

        // Strictly before: an instance changed exactly at the bound is not included.
        Assert.Equal([completed.Id], Ids(await QueryAsync(new SagaQuery { UpdatedBefore = Epoch.AddMinutes(1) })));

        // The bound may come in any offset: it is compared as UTC.
        Assert.Equal(
            [completed.Id, stuckOld.Id],
            Ids(await QueryAsync(new SagaQuery { UpdatedBefore = Epoch.AddMinutes(2).ToOffset(TimeSpan.FromHours(-5)) })));

        Assert.Equal([completed.Id, stuckOld.Id], Ids(await QueryAsync(new SagaQuery { Limit = 2 })));
        Assert.Equal([stuckOld.Id], Ids(await QueryAsync(new SagaQuery { Status = SagaStatus.Stuck, Limit = 1 })));
        Assert.Empty(await QueryAsync(new SagaQuery { Status = SagaStatus.Resolved }));
        Assert.Empty(await QueryAsync(new SagaQuery { Definition = "unknown" }));
    }

    [Fact]
    public async Task Query_ReflectsUpdatedStatusAndTime()
    {
        var instance = NewInstance("order", SagaStatus.Compensating, Epoch);
        await InTransactionAsync((connection, transaction) => _store.InsertAsync(instance, connection, transaction, CancellationToken.None));
        instance.Status = SagaStatus.Stuck;
        instance.UpdatedAt = Epoch.AddHours(2);
        await InTransactionAsync((connection, transaction) => _store.UpdateAsync(instance, 1, connection, transaction, CancellationToken.None));

        Assert.Empty(await QueryAsync(new SagaQuery { Status = SagaStatus.Compensating }));
        Assert.Empty(await QueryAsync(new SagaQuery { Status = SagaStatus.Stuck, UpdatedBefore = Epoch.AddHours(1) }));
        Assert.Equal([instance.Id], Ids(await QueryAsync(new SagaQuery { Status = SagaStatus.Stuck, UpdatedBefore = Epoch.AddHours(3) })));
    }

    [Fact]
    public async Task EnsureSchema_IsIdempotent()
    {
        var instance = NewInstance("order", SagaStatus.Running, Epoch);
        await InTransactionAsync((connection, transaction) => _store.InsertAsync(instance, connection, transaction, CancellationToken.None));

        await InTransactionAsync((connection, transaction) => _store.EnsureSchemaAsync(connection, transaction, CancellationToken.None));

        Assert.NotNull(await FindAsync(instance.Id));
    }

    private static SagaInstance NewInstance(string definition, SagaStatus status, DateTimeOffset updatedAt) => new()
    {
        Id = Guid.NewGuid(),
        Definition = definition,
        Status = status,
        Data = """{"orderId":"6f1c1c1e-8a47-4b55-9a38-1d1f3c0b1a01","quantity":2,"note":"ünïcode ✓"}""",
        Steps =
        [
            new SagaStepState { Name = "reserve", Status = SagaStepStatus.Running, Attempts = 1 },
            new SagaStepState { Name = "charge", Status = SagaStepStatus.Pending },
            new SagaStepState { Name = "ship", Status = SagaStepStatus.Pending },
        ],
        Phase = SagaPhase.Forward,
        Attempt = 1,
        CreatedAt = Epoch.ToOffset(TimeSpan.FromHours(2)).AddTicks(1234567),
        UpdatedAt = updatedAt,
    };

    private static List<Guid> Ids(IReadOnlyList<SagaInstance> instances) => instances.Select(instance => instance.Id).ToList();

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task InTransactionAsync(Func<SqliteConnection, SqliteTransaction, Task> work)
    {
        await using var connection = await OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await work(connection, transaction);
        await transaction.CommitAsync();
    }

    private async Task<SagaInstance?> FindAsync(Guid id)
    {
        await using var connection = await OpenAsync();
        return await _store.FindAsync(id, connection, null, CancellationToken.None);
    }

    private async Task<IReadOnlyList<SagaInstance>> QueryAsync(SagaQuery query)
    {
        await using var connection = await OpenAsync();
        return await _store.QueryAsync(query, connection, CancellationToken.None);
    }
}

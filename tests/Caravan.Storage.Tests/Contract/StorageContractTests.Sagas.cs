using System.Data.Common;
using System.Globalization;
using Caravan.Sagas;
using Dapper;

namespace Caravan.Storage.Tests;

public abstract partial class StorageContractTests
{
    [Fact]
    public async Task Sagas_InsertThenFind_RoundTripsEveryField()
    {
        var instance = NewSaga("order", SagaStatus.Stuck, Epoch.AddMinutes(5));
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

        await InTransactionAsync((connection, transaction) => Sagas.InsertAsync(instance, connection, transaction, CancellationToken.None));
        Assert.Equal(1, instance.Version);

        var found = await FindSagaAsync(instance.Id);

        Assert.NotNull(found);
        Assert.Equal((instance.Id, "order", SagaStatus.Stuck, instance.Data), (found.Id, found.Definition, found.Status, found.Data));
        Assert.Equal((1, SagaPhase.Compensation, 3, 1L), (found.CurrentStep, found.Phase, found.Attempt, found.Version));
        Assert.Equal(instance.AwaitedCommands, found.AwaitedCommands);
        Assert.Equal((instance.FailureReason, instance.StuckReason), (found.FailureReason, found.StuckReason));
        Assert.Equal((instance.CreatedAt, instance.UpdatedAt, instance.CreatedAt.Offset), (found.CreatedAt, found.UpdatedAt, found.CreatedAt.Offset));
        Assert.Equal(3, found.Steps.Count);
        for (var index = 0; index < 3; index++)
        {
            var (expected, actual) = (instance.Steps[index], found.Steps[index]);
            Assert.Equal(
                (expected.Name, expected.Status, expected.Reason, expected.Attempts, expected.CompensationAttempts, expected.Uncertain),
                (actual.Name, actual.Status, actual.Reason, actual.Attempts, actual.CompensationAttempts, actual.Uncertain));
        }

        // The filter columns, the same on every engine: text ids and round-trip UTC timestamps, status by name.
        await using var connection = await Database.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(string Id, string Definition, string Status, long Version, string CreatedAt, string UpdatedAt)>(
            "SELECT id, definition, status, version, created_at, updated_at FROM caravan_sagas");
        Assert.Equal((instance.Id.ToString(), "order", "Stuck", 1L), (row.Id, row.Definition, row.Status, row.Version));
        Assert.Equal((instance.CreatedAt, instance.UpdatedAt), (DateTimeOffset.Parse(row.CreatedAt, CultureInfo.InvariantCulture), DateTimeOffset.Parse(row.UpdatedAt, CultureInfo.InvariantCulture)));
        Assert.EndsWith("Z", row.CreatedAt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sagas_Find_OfAnUnknownId_IsNull_AndARolledBackInsertLeavesNoSaga()
    {
        Assert.Null(await FindSagaAsync(Guid.NewGuid()));

        var instance = NewSaga("order", SagaStatus.Running, Epoch);
        await using (var transaction = await Database.BeginTransactionAsync())
        {
            await Sagas.InsertAsync(instance, transaction.Connection, transaction.Transaction, CancellationToken.None);
            await transaction.RollbackAsync();
        }

        Assert.Null(await FindSagaAsync(instance.Id));
    }

    [Fact]
    public async Task Sagas_InsertOfAnExistingId_ThrowsConcurrency_AndKeepsTheFirst()
    {
        var first = NewSaga("order", SagaStatus.Running, Epoch);
        await InTransactionAsync((connection, transaction) => Sagas.InsertAsync(first, connection, transaction, CancellationToken.None));
        var second = NewSaga("other", SagaStatus.Completed, Epoch.AddHours(1), first.Id);

        var error = await Assert.ThrowsAsync<SagaConcurrencyException>(() =>
            InTransactionAsync((connection, transaction) => Sagas.InsertAsync(second, connection, transaction, CancellationToken.None)));

        Assert.Equal(first.Id, error.SagaId);
        var stored = await FindSagaAsync(first.Id);
        Assert.Equal(("order", SagaStatus.Running, 1L), (stored!.Definition, stored.Status, stored.Version));
    }

    [Fact]
    public async Task Sagas_UpdateWithTheCurrentVersion_StoresAndBumpsIt_AStaleVersionThrows()
    {
        var instance = NewSaga("order", SagaStatus.Running, Epoch);
        await InTransactionAsync((connection, transaction) => Sagas.InsertAsync(instance, connection, transaction, CancellationToken.None));

        var loaded = (await FindSagaAsync(instance.Id))!;
        loaded.Status = SagaStatus.Compensating;
        loaded.FailureReason = "charge: declined";
        loaded.UpdatedAt = Epoch.AddSeconds(30);
        await InTransactionAsync((connection, transaction) => Sagas.UpdateAsync(loaded, 1, connection, transaction, CancellationToken.None));
        Assert.Equal(2, loaded.Version);

        var reloaded = (await FindSagaAsync(instance.Id))!;
        Assert.Equal((SagaStatus.Compensating, "charge: declined", 2L, Epoch.AddSeconds(30)), (reloaded.Status, reloaded.FailureReason, reloaded.Version, reloaded.UpdatedAt));

        // The copy read before that update is stale; so is an update of a saga that does not exist.
        instance.Status = SagaStatus.Completed;
        var error = await Assert.ThrowsAsync<SagaConcurrencyException>(() =>
            InTransactionAsync((connection, transaction) => Sagas.UpdateAsync(instance, 1, connection, transaction, CancellationToken.None)));
        Assert.Equal((instance.Id, 1L, 1L), (error.SagaId, error.ExpectedVersion, instance.Version));
        Assert.Equal((SagaStatus.Compensating, 2L), ((await FindSagaAsync(instance.Id))!.Status, (await FindSagaAsync(instance.Id))!.Version));
        await Assert.ThrowsAsync<SagaConcurrencyException>(() =>
            InTransactionAsync((connection, transaction) => Sagas.UpdateAsync(NewSaga("order", SagaStatus.Running, Epoch), 1, connection, transaction, CancellationToken.None)));
    }

    [Fact]
    public async Task Sagas_TwoConcurrentUpdatersOfTheSameVersion_ExactlyOneWins()
    {
        for (var round = 0; round < 5; round++)
        {
            var instance = NewSaga("order", SagaStatus.Running, Epoch);
            await InTransactionAsync((connection, transaction) => Sagas.InsertAsync(instance, connection, transaction, CancellationToken.None));
            var copies = new[] { (await FindSagaAsync(instance.Id))!, (await FindSagaAsync(instance.Id))! };
            copies[0].Status = SagaStatus.Completed;
            copies[1].Status = SagaStatus.Compensating;

            var results = await Task.WhenAll(copies.Select(copy => Task.Run(async () =>
            {
                try
                {
                    await InTransactionAsync((connection, transaction) => Sagas.UpdateAsync(copy, 1, connection, transaction, CancellationToken.None));
                    return (copy.Status, Error: (Exception?)null);
                }
                catch (SagaConcurrencyException error)
                {
                    return (copy.Status, Error: (Exception?)error);
                }
            })));

            var winner = Assert.Single(results, result => result.Error is null);
            Assert.Single(results, result => result.Error is not null);
            var stored = (await FindSagaAsync(instance.Id))!;
            Assert.Equal((winner.Status, 2L), (stored.Status, stored.Version));
        }
    }

    [Fact]
    public async Task Sagas_Query_FiltersByStatusDefinitionAndAge_OldestChangeFirst_WithinTheLimit()
    {
        var stuckOld = NewSaga("order", SagaStatus.Stuck, Epoch.AddMinutes(1));
        var stuckNew = NewSaga("order", SagaStatus.Stuck, Epoch.AddMinutes(50));
        var stuckOtherSaga = NewSaga("refund", SagaStatus.Stuck, Epoch.AddMinutes(2));
        var running = NewSaga("order", SagaStatus.Running, Epoch.AddMinutes(3));
        var completed = NewSaga("order", SagaStatus.Completed, Epoch);
        foreach (var instance in new[] { stuckNew, running, stuckOld, completed, stuckOtherSaga })
        {
            await InTransactionAsync((connection, transaction) => Sagas.InsertAsync(instance, connection, transaction, CancellationToken.None));
        }

        Assert.Equal([completed.Id, stuckOld.Id, stuckOtherSaga.Id, running.Id, stuckNew.Id], await QuerySagaIdsAsync(new SagaQuery()));
        Assert.Equal([stuckOld.Id, stuckOtherSaga.Id, stuckNew.Id], await QuerySagaIdsAsync(new SagaQuery { Status = SagaStatus.Stuck }));
        Assert.Equal([stuckOld.Id, stuckNew.Id], await QuerySagaIdsAsync(new SagaQuery { Status = SagaStatus.Stuck, Definition = "order" }));
        Assert.Equal([stuckOtherSaga.Id], await QuerySagaIdsAsync(new SagaQuery { Definition = "refund" }));
        Assert.Equal([stuckOld.Id, stuckOtherSaga.Id], await QuerySagaIdsAsync(new SagaQuery { Status = SagaStatus.Stuck, UpdatedBefore = Epoch.AddMinutes(10) }));

        // Strictly before, in any offset (compared as UTC).
        Assert.Equal([completed.Id], await QuerySagaIdsAsync(new SagaQuery { UpdatedBefore = Epoch.AddMinutes(1) }));
        Assert.Equal([completed.Id, stuckOld.Id], await QuerySagaIdsAsync(new SagaQuery { UpdatedBefore = Epoch.AddMinutes(2).ToOffset(TimeSpan.FromHours(-5)) }));

        Assert.Equal([completed.Id, stuckOld.Id], await QuerySagaIdsAsync(new SagaQuery { Limit = 2 }));
        Assert.Empty(await QuerySagaIdsAsync(new SagaQuery { Status = SagaStatus.Resolved }));
    }

    [Fact]
    public async Task Sagas_Query_ReflectsUpdatedStatusAndTime()
    {
        var instance = NewSaga("order", SagaStatus.Compensating, Epoch);
        await InTransactionAsync((connection, transaction) => Sagas.InsertAsync(instance, connection, transaction, CancellationToken.None));
        instance.Status = SagaStatus.Stuck;
        instance.UpdatedAt = Epoch.AddHours(2);
        await InTransactionAsync((connection, transaction) => Sagas.UpdateAsync(instance, 1, connection, transaction, CancellationToken.None));

        Assert.Empty(await QuerySagaIdsAsync(new SagaQuery { Status = SagaStatus.Compensating }));
        Assert.Empty(await QuerySagaIdsAsync(new SagaQuery { Status = SagaStatus.Stuck, UpdatedBefore = Epoch.AddHours(1) }));
        Assert.Equal([instance.Id], await QuerySagaIdsAsync(new SagaQuery { Status = SagaStatus.Stuck, UpdatedBefore = Epoch.AddHours(3) }));
    }

    [Fact]
    public async Task Sagas_EnsureSchema_IsIdempotent()
    {
        var instance = NewSaga("order", SagaStatus.Running, Epoch);
        await InTransactionAsync((connection, transaction) => Sagas.InsertAsync(instance, connection, transaction, CancellationToken.None));

        await InTransactionAsync((connection, transaction) => Sagas.EnsureSchemaAsync(connection, transaction, CancellationToken.None));

        Assert.NotNull(await FindSagaAsync(instance.Id));
    }

    private static SagaInstance NewSaga(string definition, SagaStatus status, DateTimeOffset updatedAt, Guid? id = null) => new()
    {
        Id = id ?? Guid.NewGuid(),
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

    private async Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work)
    {
        await using var transaction = await Database.BeginTransactionAsync();
        await work(transaction.Connection, transaction.Transaction);
        await transaction.CommitAsync();
    }

    private async Task<SagaInstance?> FindSagaAsync(Guid id)
    {
        await using var connection = await Database.OpenConnectionAsync();
        return await Sagas.FindAsync(id, connection, null, CancellationToken.None);
    }

    private async Task<List<Guid>> QuerySagaIdsAsync(SagaQuery query)
    {
        await using var connection = await Database.OpenConnectionAsync();
        return [.. (await Sagas.QueryAsync(query, connection, CancellationToken.None)).Select(instance => instance.Id)];
    }
}

using System.Collections.Concurrent;
using Caravan.Messaging.Postgres;
using Npgsql;

namespace Caravan.Storage.Tests;

/// <summary>
/// A crash-like restart of PostgreSQL (<c>pg_ctl restart -m immediate</c>: no checkpoint, recovery from
/// the WAL) while a writer commits outbox rows. Runs its own server, so that no other test loses its
/// connections.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRestartTests : IAsyncLifetime, IDisposable
{
    private readonly TestDirectory _folder = new();
    private PrivatePostgres? _server;
    private PostgresServiceDatabase? _database;

    public async Task InitializeAsync()
    {
        _server = await PrivatePostgres.StartAsync(_folder.File("postgres"));
        _database = new PostgresServiceDatabase(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Database = "restarted" }.ConnectionString);
        await _database.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ImmediateRestart_WhileAWriterCommits_KeepsEveryCommittedRow_AndTheStoreRecovers()
    {
        var database = _database!;
        var outbox = new PostgresOutboxStore(database);
        var attempted = new ConcurrentDictionary<Guid, bool>();
        var committed = new ConcurrentDictionary<Guid, bool>();
        var failures = 0;
        using var stop = new CancellationTokenSource();

        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var envelope = new Envelope { MessageId = Guid.CreateVersion7(), MessageType = "t", CreatedAt = DateTimeOffset.UnixEpoch, Body = "{}"u8.ToArray() };
                attempted[envelope.MessageId] = true;
                try
                {
                    await using var transaction = await database.BeginTransactionAsync();
                    await outbox.AddAsync(transaction.Transaction, [OutgoingMessage.Publish(envelope)]);
                    await transaction.CommitAsync();
                    committed[envelope.MessageId] = true;
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
                {
                    // The server went away mid-transaction: whether this row committed is unknown.
                    Interlocked.Increment(ref failures);
                    await Task.Yield();
                }
            }
        });

        await Eventually.HoldsAsync(() => committed.Count >= 100, "the writer committed rows before the restart");
        await _server!.RestartImmediatelyAsync();
        var beforeRecovery = committed.Count;
        await Eventually.HoldsAsync(() => committed.Count >= beforeRecovery + 100, "the writer commits again after the restart", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await writer;

        Assert.True(failures > 0, "the restart interrupted the writer");

        // Every acknowledged commit survived; the rows whose commit failed may or may not be there.
        var stored = await ReadMessageIdsAsync(database);
        Assert.Subset(stored, committed.Keys.ToHashSet());
        Assert.Subset(attempted.Keys.ToHashSet(), stored);
        Assert.Equal(stored.Count, await outbox.CountAsync());

        // The relay side works on the restarted server too: everything can be claimed and removed.
        var claimed = await outbox.ClaimAsync(stored.Count, DateTimeOffset.UnixEpoch, null, TimeSpan.FromMinutes(1));
        Assert.Equal(stored.Count, claimed.Count);
        await outbox.RemoveAsync(claimed);
        Assert.Equal(0, await outbox.CountAsync());
    }

    private static async Task<HashSet<Guid>> ReadMessageIdsAsync(PostgresServiceDatabase database)
    {
        // The pool may still hold connections the restart broke; Npgsql drops each one when it fails.
        return await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    await using var connection = await database.OpenConnectionAsync();
                    await using var command = connection.CreateCommand();
                    command.CommandText = "SELECT message_id FROM caravan_outbox";
                    var ids = new HashSet<Guid>();
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        ids.Add(reader.GetGuid(0));
                    }

                    return ids;
                }
                catch (NpgsqlException)
                {
                    return null;
                }
            },
            ids => ids is not null,
            "the outbox can be read after the restart") ?? [];
    }
}

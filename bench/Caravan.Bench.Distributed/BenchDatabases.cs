using Npgsql;

namespace Caravan.Bench.Distributed;

/// <summary>The producer's and the consumer's databases of one side, created empty, with their business tables.</summary>
internal static class BenchDatabases
{
    private const string ProducerTables = """
        CREATE TABLE bench_orders (id uuid PRIMARY KEY, seq integer NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
        """;

    // bench_inbox is the peers' idempotency table (Caravan has its own inbox); bench_handled the handler's business row.
    private const string ConsumerTables = """
        CREATE TABLE bench_handled (id uuid PRIMARY KEY, seq integer NOT NULL, handled_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE bench_inbox (message_id uuid PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT now());
        """;

    private const string InsertOrder = "INSERT INTO bench_orders (id, seq, payload) VALUES ($1, $2, $3)";

    private const string InsertHandled = "INSERT INTO bench_handled (id, seq) VALUES ($1, $2)";

    private const string ClaimInbox = "INSERT INTO bench_inbox (message_id) VALUES ($1) ON CONFLICT DO NOTHING";

    /// <summary>Drops and creates <c>caravan_bench_{side}_producer</c> and <c>…_consumer</c>; returns their connection strings.</summary>
    public static async Task<(string Producer, string Consumer)> CreateAsync(string server, string side, string runId, CancellationToken cancellationToken)
    {
        var producer = await RecreateAsync(server, $"caravan_bench_{side}_producer", runId, cancellationToken);
        var consumer = await RecreateAsync(server, $"caravan_bench_{side}_consumer", runId, cancellationToken);
        await ExecuteAsync(producer, ProducerTables, cancellationToken);
        await ExecuteAsync(consumer, ConsumerTables, cancellationToken);
        return (producer, consumer);
    }

    /// <summary>The producer's business write.</summary>
    public static async Task InsertOrderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BenchMessage message, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InsertOrder, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.Id });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = message.Seq });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.Payload });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The handler's business write.</summary>
    public static async Task InsertHandledAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, BenchMessage message, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InsertHandled, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.Id });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = message.Seq });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The peers' consumer: in one transaction, claim the message id in the idempotency table (a repeat claims
    /// nothing and is skipped), write the business row, record, commit.
    /// </summary>
    public static async Task HandleOnceAsync(NpgsqlDataSource consumer, BenchMessage message, Recorder recorder, CancellationToken cancellationToken)
    {
        await using var connection = await consumer.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var claim = new NpgsqlCommand(ClaimInbox, connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.Id });
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return;
            }
        }

        await InsertHandledAsync(connection, transaction, message, cancellationToken);
        recorder.Record(message);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<string> RecreateAsync(string server, string database, string runId, CancellationToken cancellationToken)
    {
        var maintenance = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false, CommandTimeout = 300 };
        await using (var connection = new NpgsqlConnection(maintenance.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);

            // Names are built here from fixed parts (side names are validated), never from outside input.
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        // A connection string of this round's own, so that no pool (ours or a library's) hands out a connection of a dropped database.
        return new NpgsqlConnectionStringBuilder(server) { Database = database, MaxPoolSize = 64, ApplicationName = $"caravan-bench-{runId}", CommandTimeout = 120, Timeout = 60 }.ConnectionString;
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        // Unpooled: the next round drops this database WITH (FORCE), which would leave a pooled connection dead.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Caravan.Messaging.Postgres;
using Caravan.Messaging.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging.CrashHost;

/// <summary>The message that flows from the producer to the consumers: its producer-side sequence number.</summary>
public sealed record CrashMessage(long Seq);

/// <summary>
/// One process of the crash tests, chosen by its first argument:
/// <list type="bullet">
/// <item><c>producer --broker B --db D --count N [--first F] [--parallel P] [--rollback-every K] [--rate R] [--no-relay]</c>: commits one
/// <c>produced</c> row (seq and message id) and one <see cref="CrashMessage"/> per transaction for seq F..F+N-1 (F is 1
/// unless given; a restarted producer skips the seqs already committed), at most R transactions a second when given;
/// every seq that is a multiple of K is rolled back; with <c>--parallel P</c>, P transactions run at once. Prints <c>committed {seq}</c> per commit, <c>produced</c> when
/// done, and, with the relay on, <c>drained</c> once its outbox is empty; then exits.</item>
/// <item><c>relay --broker B --db D</c>: the producer's service with its relay, producing nothing; runs until stopped.</item>
/// <item><c>consumer --broker B --db D</c>: handles <see cref="CrashMessage"/> behind the inbox, recording its effect
/// in its own database (SQLite: a <c>handled</c> row and a counter; PostgreSQL: an <c>effects</c> row). Prints
/// <c>counts delivered=… handled=… duplicates=…</c> (its messaging metrics so far) when they change, at most
/// every quarter second, and once more when it stops.</item>
/// <item><c>ack-lease --broker B --db D --count N</c> (SQLite transport only, D unused): sends N messages to the queue
/// <c>ack-lease</c>, leases half of them for 30 s, then installs a trigger that holds every lease update for minutes and,
/// printing <c>acknowledging</c>, completes the leased half and leases the rest in one transaction, which therefore stays
/// open after its acknowledgement until the test kills the process (or prints <c>completed</c> if it is not killed).</item>
/// </list>
/// Where messages and data live: <c>--transport sqlite</c> (default; B is the broker file) or <c>rabbitmq</c> (B is
/// an AMQP URI; <c>--topology-prefix P</c> names the exchanges and queues), and <c>--database sqlite</c> (default;
/// D is the database file) or <c>postgres</c> (D is a connection string naming the service's database).
/// Every role prints <c>ready</c> once its host has started. <c>--watch-stdin</c> stops the process when its
/// standard input closes (so a dying test run does not leave processes behind). Logs go to stderr.
/// </summary>
internal static class Program
{
    public const string WireName = "crash.message";
    public const string ConsumerService = "crash-consumer";
    public const string ProducerService = "producer";

    public static async Task<int> Main(string[] args)
    {
        Arguments arguments;
        try
        {
            arguments = Arguments.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync(
                "usage: producer|relay|consumer|ack-lease [--transport sqlite|rabbitmq] --broker PATH|URI [--topology-prefix P] [--database sqlite|postgres] " +
                "--db PATH|CONNECTION [--count N] [--first F] [--parallel P] [--rollback-every K] [--rate R] [--no-relay] [--watch-stdin]");
            return 2;
        }

        return arguments.Role switch
        {
            "producer" => await ProduceAsync(arguments),
            "relay" => await RelayAsync(arguments),
            "consumer" => await ConsumeAsync(arguments),
            "ack-lease" => await AckAndLeaseAsync(arguments),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    private static async Task<int> ProduceAsync(Arguments arguments)
    {
        var count = arguments.GetInt64("count");
        var firstSeq = arguments.GetInt64("first", 1);
        var lastSeq = firstSeq + count - 1;
        var rollbackEvery = arguments.GetInt64("rollback-every", 0);
        var rate = arguments.GetInt64("rate", 0);
        var relay = !arguments.Has("no-relay");
        using var host = BuildHost(arguments, ProducerService, relay, messaging => { });
        await ExecuteAsync(host, "CREATE TABLE IF NOT EXISTS produced (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL)");
        await host.StartAsync();
        WatchStdin(host, arguments);
        Console.Out.WriteLine("ready");

        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var pending = await GetPendingSeqsAsync(host, firstSeq, lastSeq, rollbackEvery);
        var parallel = (int)Math.Max(1, arguments.GetInt64("parallel", 1));
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < pending.Count && !stopping.IsCancellationRequested; i = Interlocked.Increment(ref next))
            {
                if (rate > 0)
                {
                    // Paced: transaction i starts no earlier than i / rate seconds after the first.
                    var ahead = TimeSpan.FromSeconds(i / (double)rate) - clock.Elapsed;
                    if (ahead > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(ahead, stopping);
                    }
                }

                await ProduceOneAsync(bus, pending[i], rollbackEvery, stopping);
            }
        }, CancellationToken.None)));

        if (stopping.IsCancellationRequested)
        {
            await host.StopAsync();
            return 3;
        }

        Console.Out.WriteLine("produced");
        if (relay)
        {
            var outbox = host.Services.GetRequiredService<IOutboxStore>();
            while (await outbox.CountAsync(stopping) > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), stopping);
            }

            Console.Out.WriteLine("drained");
        }

        await host.StopAsync();
        return 0;
    }

    private static async Task ProduceOneAsync(IMessageBus bus, long seq, long rollbackEvery, CancellationToken stopping)
    {
        await using var session = await bus.BeginAsync(stopping);
        var messageId = session.Send(new CrashMessage(seq));
        await using (var insert = session.Connection.CreateCommand())
        {
            insert.Transaction = session.Transaction;
            insert.CommandText = "INSERT INTO produced (seq, message_id) VALUES (@seq, @id)";
            AddParameter(insert, "@seq", seq);
            AddParameter(insert, "@id", messageId.ToString());
            await insert.ExecuteNonQueryAsync(stopping);
        }

        if (rollbackEvery > 0 && seq % rollbackEvery == 0)
        {
            await session.RollbackAsync(stopping);
            Console.Out.WriteLine($"rolledback {seq}");
        }
        else
        {
            await session.CommitAsync(stopping);
            Console.Out.WriteLine($"committed {seq}");
        }
    }

    private static async Task<int> RelayAsync(Arguments arguments)
    {
        using var host = BuildHost(arguments, ProducerService, relay: true, messaging => { });
        await host.StartAsync();
        WatchStdin(host, arguments);
        Console.Out.WriteLine("ready");
        await host.WaitForShutdownAsync();
        return 0;
    }

    private static async Task<int> AckAndLeaseAsync(Arguments arguments)
    {
        const string Queue = "ack-lease";
        var broker = arguments.GetString("broker");
        var count = (int)arguments.GetInt64("count");
        using var transport = new SqliteTransport(new SqliteTransportOptions { Path = broker }, TimeProvider.System, new SharedRandomSource());
        await transport.InitializeAsync();
        var messages = Enumerable.Range(1, count).Select(seq => OutgoingMessage.Send(
            new Envelope
            {
                MessageId = Guid.CreateVersion7(),
                MessageType = WireName,
                CreatedAt = TimeProvider.System.GetUtcNow(),
                Body = System.Text.Encoding.UTF8.GetBytes($"{{\"seq\":{seq}}}"),
            },
            Queue)).ToList();
        await transport.SendAsync(messages);
        var handled = await transport.ReceiveAsync(Queue, count / 2, TimeSpan.FromSeconds(30));
        Console.Out.WriteLine($"leased {handled.Count}");

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={broker};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA busy_timeout=30000;
                CREATE TABLE spin (x INTEGER);
                WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000) INSERT INTO spin SELECT x FROM n;
                CREATE TRIGGER hold_leases BEFORE UPDATE OF lease_token ON caravan_queue WHEN NEW.lease_token IS NOT NULL
                BEGIN SELECT COUNT(*) FROM spin a, spin b, spin c; END;
                """;
            await command.ExecuteNonQueryAsync();
        }

        Console.Out.WriteLine("acknowledging");
        var next = await transport.CompleteAndReceiveAsync(handled, Queue, count, TimeSpan.FromSeconds(30));
        Console.Out.WriteLine($"completed, leased {next.Count}");
        return 0;
    }

    private static async Task<int> ConsumeAsync(Arguments arguments)
    {
        var postgres = arguments.IsPostgres;
        using var host = BuildHost(arguments, ConsumerService, relay: true, messaging =>
        {
            messaging.Handle<CrashMessage>(postgres ? RecordEffectAsync : HandleAsync);
            messaging.ConfigureConsumer(consumer =>
            {
                consumer.Concurrency = 4;
                consumer.Prefetch = 32;
                consumer.LeaseDuration = TimeSpan.FromSeconds(2);
                consumer.IdlePollInterval = TimeSpan.FromMilliseconds(200);
            });
        });
        await ExecuteAsync(
            host,
            postgres
                // No counter row here: on PostgreSQL the consumers' transactions run side by side, and one hot row would serialise them.
                ? "CREATE TABLE IF NOT EXISTS effects (seq INTEGER NOT NULL, message_id TEXT NOT NULL, pid INTEGER NOT NULL)"
                : """
                CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
                INSERT INTO counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
                CREATE TABLE IF NOT EXISTS handled (seq INTEGER NOT NULL, message_id TEXT NOT NULL, pid INTEGER NOT NULL);
                """);
        using var counts = new MetricsReport();
        await host.StartAsync();
        WatchStdin(host, arguments);
        Console.Out.WriteLine("ready");
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var reporting = counts.RunAsync(stopping);
        await host.WaitForShutdownAsync();
        await reporting;
        counts.Print();
        return 0;
    }

    /// <summary>The inbox-guarded effect: one increment and one row per handling; duplicates would show.</summary>
    private static async Task HandleAsync(CrashMessage message, MessageContext context, CancellationToken cancellationToken)
    {
        await using var command = context.Connection.CreateCommand();
        command.Transaction = context.Transaction;
        command.CommandText = """
            UPDATE counter SET n = n + 1 WHERE id = 1;
            INSERT INTO handled (seq, message_id, pid) VALUES ($seq, $id, $pid);
            """;
        AddParameter(command, "$seq", message.Seq);
        AddParameter(command, "$id", context.Message.MessageId.ToString());
        AddParameter(command, "$pid", Environment.ProcessId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The inbox-guarded effect on PostgreSQL: one <c>effects</c> row per handling; duplicates would show.</summary>
    private static async Task RecordEffectAsync(CrashMessage message, MessageContext context, CancellationToken cancellationToken)
    {
        await using var command = context.Connection.CreateCommand();
        command.Transaction = context.Transaction;
        command.CommandText = "INSERT INTO effects (seq, message_id, pid) VALUES (@seq, @id, @pid)";
        AddParameter(command, "@seq", message.Seq);
        AddParameter(command, "@id", context.Message.MessageId.ToString());
        AddParameter(command, "@pid", Environment.ProcessId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static IHost BuildHost(Arguments arguments, string service, bool relay, Action<MessagingBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = $"HH:mm:ss.fff [{Environment.ProcessId}] ";
        });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
            options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddCaravanMessaging(service, messaging =>
        {
            if (arguments.IsRabbitMq)
            {
                messaging.UseRabbitMq(arguments.GetString("broker"), options => options.TopologyPrefix = arguments.GetString("topology-prefix"));
            }
            else
            {
                messaging.UseSqliteTransport(arguments.GetString("broker"));
            }

            if (arguments.IsPostgres)
            {
                messaging.UsePostgresDatabase(arguments.GetString("db"));
            }
            else
            {
                messaging.UseSqliteDatabase(arguments.GetString("db"));
            }

            messaging.AddMessage<CrashMessage>(WireName, destination: ConsumerService);
            messaging.Configure(options =>
            {
                options.Outbox.RelayEnabled = relay;
                options.Outbox.PollInterval = TimeSpan.FromMilliseconds(200);

                // A killed relay's claimed rows are taken over after this.
                options.Outbox.ClaimDuration = TimeSpan.FromSeconds(3);
            });
            configure(messaging);
        });
        return builder.Build();
    }

    private static void WatchStdin(IHost host, Arguments arguments)
    {
        if (!arguments.Has("watch-stdin"))
        {
            return;
        }

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (await Console.In.ReadLineAsync() is not null)
                {
                }
            }
            catch (IOException)
            {
                // A broken pipe means the same as a closed one.
            }

            lifetime.StopApplication();
        });
    }

    /// <summary>Creates the database when missing (PostgreSQL) and runs <paramref name="sql"/> in one transaction.</summary>
    private static async Task ExecuteAsync(IHost host, string sql)
    {
        var database = host.Services.GetRequiredService<IServiceDatabase>();
        await database.InitializeAsync();
        await using var transaction = await database.BeginTransactionAsync();
        await using var command = transaction.Connection.CreateCommand();
        command.Transaction = transaction.Transaction;

        // Processes of one service start together: on PostgreSQL, concurrent CREATE TABLE IF NOT EXISTS may
        // still collide, so they take turns (any constant shared by the crash host's processes).
        command.CommandText = database is PostgresServiceDatabase
            ? "SELECT pg_advisory_xact_lock(7352); " + sql
            : sql;
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    /// <summary>
    /// The seqs of <paramref name="first"/>..<paramref name="last"/> a producer still has to commit (or roll back): those
    /// not committed yet, except the rolled-back ones below the highest committed seq (an earlier run dealt with them).
    /// </summary>
    private static async Task<List<long>> GetPendingSeqsAsync(IHost host, long first, long last, long rollbackEvery)
    {
        var database = host.Services.GetRequiredService<IServiceDatabase>();
        await using var connection = await database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM produced WHERE seq BETWEEN @first AND @last";
        AddParameter(command, "@first", first);
        AddParameter(command, "@last", last);
        var committed = new HashSet<long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                committed.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        var highest = committed.Count == 0 ? first - 1 : committed.Max();
        var pending = new List<long>();
        for (var seq = first; seq <= last; seq++)
        {
            if (!committed.Contains(seq) && !(rollbackEvery > 0 && seq % rollbackEvery == 0 && seq < highest))
            {
                pending.Add(seq);
            }
        }

        return pending;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}

/// <summary>A role followed by <c>--name value</c> options and <c>--flag</c>s.</summary>
internal sealed class Arguments
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "no-relay", "watch-stdin" };
    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "producer", "relay", "consumer", "ack-lease" };

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private Arguments(string role) => Role = role;

    public string Role { get; }

    public static Arguments Parse(string[] args)
    {
        if (args.Length == 0 || !Roles.Contains(args[0]))
        {
            throw new ArgumentException("The first argument must be the role: producer, relay, consumer or ack-lease.", nameof(args));
        }

        var parsed = new Arguments(args[0]);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.", nameof(args));
            }

            var name = args[i][2..];
            if (Flags.Contains(name))
            {
                parsed._values[name] = "true";
            }
            else if (i + 1 < args.Length)
            {
                parsed._values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Option '--{name}' needs a value.", nameof(args));
            }
        }

        parsed.GetString("broker");
        parsed.GetString("db");
        if (parsed.GetString("transport", "sqlite") is not ("sqlite" or "rabbitmq"))
        {
            throw new ArgumentException("Option '--transport' is sqlite or rabbitmq.", nameof(args));
        }

        if (parsed.GetString("database", "sqlite") is not ("sqlite" or "postgres"))
        {
            throw new ArgumentException("Option '--database' is sqlite or postgres.", nameof(args));
        }

        if (parsed.IsRabbitMq)
        {
            parsed.GetString("topology-prefix");
        }
        if (parsed.Role is "producer" or "ack-lease")
        {
            parsed.GetInt64("count");
        }

        return parsed;
    }

    public bool IsRabbitMq => GetString("transport", "sqlite") == "rabbitmq";

    public bool IsPostgres => GetString("database", "sqlite") == "postgres";

    public bool Has(string name) => _values.ContainsKey(name);

    public string GetString(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var value)
            ? value
            : fallback ?? throw new ArgumentException($"Option '--{name}' is required.", nameof(name));

    public long GetInt64(string name, long? fallback = null)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return fallback ?? throw new ArgumentException($"Option '--{name}' is required.", nameof(name));
        }

        return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 0
            ? number
            : throw new ArgumentException($"Option '--{name}' needs a non-negative integer, not '{value}'.", nameof(name));
    }
}

/// <summary>
/// Listens to this process's "Caravan.Messaging" meter and prints <c>counts delivered=… handled=… duplicates=…</c>
/// on stdout: how many messages were leased, handled (committed) and recognised by the inbox as already handled.
/// A killed process loses at most its last quarter second of counts.
/// </summary>
internal sealed class MetricsReport : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly MeterListener _listener = new();
    private long _delivered;
    private long _handled;
    private long _duplicates;
    private string _printed = string.Empty;

    public MetricsReport()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MessagingMetrics.MeterName
                && instrument.Name is "caravan.messaging.delivered" or "caravan.messaging.handled" or "caravan.messaging.duplicates")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "caravan.messaging.delivered":
                    Interlocked.Add(ref _delivered, value);
                    break;
                case "caravan.messaging.handled":
                    Interlocked.Add(ref _handled, value);
                    break;
                default:
                    Interlocked.Add(ref _duplicates, value);
                    break;
            }
        });
        _listener.Start();
    }

    /// <summary>Prints the counts whenever they changed, every <see cref="Interval"/>, until <paramref name="stopping"/>.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                Print();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping; the caller prints the last counts once the host is down.
        }
    }

    public void Print()
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"counts delivered={Interlocked.Read(ref _delivered)} handled={Interlocked.Read(ref _handled)} duplicates={Interlocked.Read(ref _duplicates)}");
        if (line != _printed)
        {
            _printed = line;
            Console.Out.WriteLine(line);
        }
    }

    public void Dispose() => _listener.Dispose();
}

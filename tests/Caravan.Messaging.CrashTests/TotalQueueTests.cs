using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Caravan.Testing;
using Xunit.Abstractions;

namespace Caravan.Messaging.CrashTests;

/// <summary>
/// A queue-level check in the manner of Jepsen's total-queue, on RabbitMQ and PostgreSQL with real processes:
/// two producers send 20,000 distinct messages through their outbox (one business row and one message per
/// transaction), three competing consumers handle them behind the inbox, writing one effect row each in the
/// handler's transaction; consumers are SIGKILLed (and restarted) at random moments and the broker (a private
/// node) is restarted once mid-run. At the end every sent message took effect exactly once (lost = 0, no
/// duplicated effect) and nothing took effect that was never sent (unexpected = 0); the redeliveries the inbox
/// absorbed are reported.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "Disposed in IAsyncLifetime.DisposeAsync, with the broker it reads.")]
public sealed class TotalQueueTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Messages = 20_000;
    private const int Producers = 2;
    private const int Consumers = 3;
    private const int Kills = 6;

    // Paced so that the flow lasts long enough (about 40 s when the machine is idle) for every fault to land in
    // the middle of it; each producer runs several transactions at once, as a service serving requests does.
    private const int RatePerProducer = 250;
    private const int ParallelPerProducer = 4;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FlowTimeout = TimeSpan.FromMinutes(3);

    private readonly string _id = Guid.NewGuid().ToString("N")[..10];
    private readonly int _seed = Random.Shared.Next();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<CrashProcess> _processes = [];
    private string _folder = string.Empty;
    private PrivateRabbitMq? _broker;
    private QueueDepths? _queues;
    private PostgresDatabases? _postgres;
    private string _producerDb = string.Empty;
    private string _consumerDb = string.Empty;

    private PrivateRabbitMq Broker => _broker ?? throw new InvalidOperationException("Not initialised.");

    private QueueDepths Queues => _queues ?? throw new InvalidOperationException("Not initialised.");

    private string Prefix => "tq" + _id;

    private string ServiceQueue => $"{Prefix}.q.crash-consumer";

    private string DeadLetterQueue => $"{Prefix}.dlq.crash-consumer";

    public async Task InitializeAsync()
    {
        _folder = Path.Combine(Path.GetTempPath(), "caravan-total-queue", _id);
        Directory.CreateDirectory(_folder);
        Log($"seed {_seed}, id {_id}");
        _postgres = await PostgresDatabases.ConnectAsync();
        _producerDb = _postgres.NewDatabase($"caravan_tq_{_id}_producer");
        _consumerDb = _postgres.NewDatabase($"caravan_tq_{_id}_consumer");
        _broker = await PrivateRabbitMq.StartAsync("tq" + _id, Path.Combine(_folder, "rabbitmq"), TimeSpan.FromMinutes(3));
        _queues = new QueueDepths(_broker.ConnectionString);
        Log($"private RabbitMQ node tq{_id} on 127.0.0.1:{_broker.Port}");
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        // Both are slow on a loaded machine (a broker's stop, a database's drop): side by side, and each whatever the other does.
        var cleanups = new List<Task>();
        if (_broker is not null)
        {
            cleanups.Add(StopBrokerAsync(_broker, _queues));
        }

        if (_postgres is not null)
        {
            cleanups.Add(_postgres.DisposeAsync().AsTask());
        }

        try
        {
            await Task.WhenAll(cleanups);
        }
        finally
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's own cleanup.
            }
        }
    }

    [Fact]
    public async Task TwentyThousandMessages_ConsumerKillsAndABrokerRestart_NoneLostNoneUnexpectedNoDuplicateEffect()
    {
        var random = new Random(_seed);
        // All start at once: commands go straight to the service queue, which a producer declares too, so nothing sent
        // before the consumers are up is lost.
        var consumers = Enumerable.Range(0, Consumers).Select(_ => StartConsumer()).ToArray();
        const int PerProducer = Messages / Producers;
        var producers = Enumerable.Range(0, Producers)
            .Select(i => Start($"producer-{i + 1}", "producer", [.. Where(_producerDb), "--first", Num((i * PerProducer) + 1), "--count", Num(PerProducer), "--rate", Num(RatePerProducer), "--parallel", Num(ParallelPerProducer)]))
            .ToList();
        foreach (var process in consumers.Concat(producers))
        {
            await process.WaitForAsync("ready", StartTimeout);
        }

        // Faults at effect counts: the kills spread over the first half of the run, the broker restart after them.
        // The restart comes last because, while the broker is down, the producers keep committing to their outboxes
        // and the backlog flushes at once when it is back: a kill scheduled after it could find the run already over.
        var restartAt = random.Next(Messages * 11 / 20, Messages * 14 / 20);
        var faults = Enumerable.Range(0, Kills).Select(_ => (At: (long)random.Next(Messages / 15, Messages * 9 / 20), Restart: false))
            .Append((At: (long)restartAt, Restart: true))
            .OrderBy(fault => fault.At)
            .ToList();
        var killedAt = new List<long>();
        long effectsAtRestart = -1;
        var restartTime = TimeSpan.Zero;
        foreach (var (at, restart) in faults)
        {
            await Until.HoldsAsync(async () => await EffectsAsync() >= at, $"{at} effects are recorded", FlowTimeout, DiagnosticsAsync);
            var effects = await EffectsAsync();
            if (restart)
            {
                effectsAtRestart = effects;
                var stopwatch = Stopwatch.StartNew();
                await Broker.RestartAsync();
                restartTime = stopwatch.Elapsed;
                Log($"restarted the broker with {effects} effects recorded, in {restartTime.TotalSeconds:F1} s; {await ProgressAsync()}");
                continue;
            }

            // The victim is a consumer that is up; its replacement starts without the loop waiting for it, so a slow
            // start on a loaded machine does not push the next kills past the end of the run.
            await Until.HoldsAsync(() => Task.FromResult(consumers.Any(c => c.IsReady)), "a consumer is ready", StartTimeout, DiagnosticsAsync);
            var ready = Enumerable.Range(0, consumers.Length).Where(i => consumers[i].IsReady).ToList();
            var victim = ready[random.Next(ready.Count)];
            effects = await EffectsAsync();
            await consumers[victim].KillAsync();
            killedAt.Add(effects);
            Log($"killed {consumers[victim].Name} (pid {consumers[victim].Id}) with {effects} effects recorded; {await ProgressAsync()}");
            consumers[victim] = StartConsumer();
        }

        foreach (var consumer in consumers)
        {
            await consumer.WaitForAsync("ready", StartTimeout);
        }

        foreach (var producer in producers)
        {
            await producer.WaitForAsync("drained", FlowTimeout);
            await producer.WaitForExitAsync(StartTimeout);
        }

        Log($"the producers are done; {await ProgressAsync()}");

        await Until.HoldsAsync(async () => await DistinctEffectsAsync() >= Messages, $"all {Messages} messages took effect", FlowTimeout, DiagnosticsAsync);
        await Until.HoldsAsync(async () => await Queues.ReadyCountAsync(ServiceQueue) == 0, "the service queue is empty", FlowTimeout, DiagnosticsAsync);
        Log("all messages took effect; stopping the consumers");
        var counts = await StopAndDrainAsync(consumers);

        var diagnostics = await DiagnosticsAsync();
        Assert.True(producers.All(p => p.ExitCode == 0), $"A producer failed.\n{diagnostics}");
        Assert.True(killedAt.Count == Kills && killedAt.All(k => k < Messages), $"Kills happened at {string.Join(", ", killedAt)} effects, not all mid-run.\n{diagnostics}");
        Assert.True(effectsAtRestart is >= 0 and < Messages, $"The broker restarted at {effectsAtRestart} effects, not mid-run.\n{diagnostics}");

        var sent = await PostgresDatabases.PairsAsync(_producerDb, "SELECT seq, message_id FROM produced ORDER BY seq");
        var effectRows = await PostgresDatabases.PairsAsync(_consumerDb, "SELECT seq, message_id FROM effects ORDER BY seq");
        var sentIds = sent.ToHashSet();
        var perMessage = effectRows.GroupBy(row => row).ToDictionary(group => group.Key, group => group.Count());
        var lost = sent.Where(row => !perMessage.ContainsKey(row)).ToList();
        var unexpected = effectRows.Where(row => !sentIds.Contains(row)).ToList();
        var duplicated = perMessage.Where(pair => pair.Value > 1).Select(pair => pair.Key).ToList();
        var inbox = await PostgresDatabases.ScalarAsync(_consumerDb, "SELECT count(*) FROM caravan_inbox");
        var pids = await PostgresDatabases.ScalarAsync(_consumerDb, "SELECT count(DISTINCT pid) FROM effects");
        var deadLetters = await Queues.ReadyCountAsync(DeadLetterQueue);

        Log($"summary: sent {sent.Count}, effects {effectRows.Count}, lost {lost.Count}, unexpected {unexpected.Count}, duplicated effects {duplicated.Count}; " +
            $"deliveries {counts.Delivered} (at least {Math.Max(0, counts.Delivered - sent.Count)} redeliveries), duplicates absorbed by the inbox {counts.Duplicates}; " +
            $"{killedAt.Count} consumer kills at [{string.Join(", ", killedAt)}] effects, {pids} consumer processes took effect; " +
            $"broker restart at {effectsAtRestart} effects took {restartTime.TotalSeconds:F1} s; inbox {inbox}, dead letters {deadLetters}; {_clock.Elapsed.TotalSeconds:F1} s in all");

        Assert.True(
            sent.Count == Messages && sent.Select(row => row.Seq).SequenceEqual(Enumerable.Range(1, Messages).Select(i => (long)i)),
            $"The producers committed {sent.Count} messages, not seqs 1..{Messages}.\n{diagnostics}");
        Assert.True(lost.Count == 0, $"lost = {lost.Count}: sent and never took effect: [{Join(lost.Take(20))}].\n{diagnostics}");
        Assert.True(unexpected.Count == 0, $"unexpected = {unexpected.Count}: took effect and never sent: [{Join(unexpected.Take(20))}].\n{diagnostics}");
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} messages took effect more than once: [{Join(duplicated.Take(20))}].\n{diagnostics}");
        Assert.True(effectRows.Count == Messages && inbox == Messages, $"{effectRows.Count} effects and {inbox} inbox records for {Messages} messages.\n{diagnostics}");
        Assert.True(deadLetters == 0, $"{deadLetters} messages were dead-lettered.\n{diagnostics}");
        Assert.True(pids > Consumers, $"Only {pids} consumer processes took effect; the restarted ones should have too.\n{diagnostics}");
    }

    /// <summary>
    /// Stops the consumers gracefully (a message fetched but not started is given back); while the queue still holds
    /// messages (redelivered copies), starts one consumer more to take them and stops it again once it is empty.
    /// Returns the counts of every consumer process that ran.
    /// </summary>
    private async Task<MessageCounts> StopAndDrainAsync(CrashProcess[] consumers)
    {
        foreach (var consumer in consumers)
        {
            await consumer.StopAsync(StartTimeout);
            Assert.True(consumer.ExitCode == 0, $"{consumer.Name} did not stop cleanly.\n{await DiagnosticsAsync()}");
        }

        var deadline = Stopwatch.StartNew();
        while (await Queues.ReadyCountAsync(ServiceQueue) is var left and > 0)
        {
            Assert.True(deadline.Elapsed < FlowTimeout, $"{left} messages stay in the service queue.\n{await DiagnosticsAsync()}");
            Log($"{left} messages left in the queue after the consumers stopped; draining them");
            var drain = StartConsumer();
            await drain.WaitForAsync("ready", StartTimeout);
            await Until.HoldsAsync(async () => await Queues.ReadyCountAsync(ServiceQueue) == 0, "the service queue is empty", FlowTimeout, DiagnosticsAsync);
            await drain.StopAsync(StartTimeout);
        }

        return _processes.Where(p => p.Name.StartsWith("consumer", StringComparison.Ordinal))
            .Select(p => p.Counts)
            .Aggregate(new MessageCounts(0, 0, 0), MessageCounts.Add);
    }

    private string[] Where(string database) =>
        ["--transport", "rabbitmq", "--broker", Broker.ConnectionString, "--topology-prefix", Prefix, "--database", "postgres", "--db", database];

    private CrashProcess StartConsumer() =>
        Start($"consumer-{_processes.Count(p => p.Name.StartsWith("consumer", StringComparison.Ordinal)) + 1}", "consumer", Where(_consumerDb));

    private CrashProcess Start(string name, string role, string[] arguments)
    {
        var process = CrashProcess.Start(name, role, arguments);
        _processes.Add(process);
        Log($"started {name} (pid {process.Id})");
        return process;
    }

    private Task<long> EffectsAsync() => CountOrZeroAsync(_consumerDb, "SELECT count(*) FROM effects");

    private Task<long> DistinctEffectsAsync() => CountOrZeroAsync(_consumerDb, "SELECT count(DISTINCT seq) FROM effects");

    /// <summary>A count; 0 while the database or its table does not exist yet.</summary>
    private static async Task<long> CountOrZeroAsync(string database, string sql)
    {
        try
        {
            return await PostgresDatabases.ScalarAsync(database, sql);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState is Npgsql.PostgresErrorCodes.InvalidCatalogName or Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private async Task<string> ProgressAsync() =>
        $"produced {await CountOrZeroAsync(_producerDb, "SELECT count(*) FROM produced")}, " +
        $"in the outbox {await CountOrZeroAsync(_producerDb, "SELECT count(*) FROM caravan_outbox")}, effects {await EffectsAsync()}";

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Join(IEnumerable<(long Seq, string MessageId)> rows) => string.Join(", ", rows.Select(row => $"{row.Seq} ({row.MessageId})"));

    private async Task<string> DiagnosticsAsync()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"seed {_seed}, id {_id}, after {_clock.Elapsed.TotalSeconds:F1} s");
        await text.AppendCountAsync("effects (rows)", EffectsAsync);
        await text.AppendCountAsync("effects (distinct seqs)", DistinctEffectsAsync);
        await text.AppendCountAsync("produced", () => CountOrZeroAsync(_producerDb, "SELECT count(*) FROM produced"));
        await text.AppendCountAsync("outbox", () => CountOrZeroAsync(_producerDb, "SELECT count(*) FROM caravan_outbox"));
        await text.AppendCountAsync("service queue (ready)", () => Queues.ReadyCountAsync(ServiceQueue));
        await text.AppendCountAsync("dead letters", () => Queues.ReadyCountAsync(DeadLetterQueue));
        foreach (var process in _processes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{process.Name}: {process.Counts}");
            text.AppendLine(process.Describe());
        }

        return text.ToString();
    }

    private static async Task StopBrokerAsync(PrivateRabbitMq broker, QueueDepths? queues)
    {
        if (queues is not null)
        {
            await queues.DisposeAsync();
        }

        await broker.DisposeAsync();
    }

    private void Log(string message) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F2} s] {message}");
}

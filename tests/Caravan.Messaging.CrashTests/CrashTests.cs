using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;

namespace Caravan.Messaging.CrashTests;

/// <summary>
/// Real processes on one SQLite broker, killed with SIGKILL while messages flow. Whatever the moment
/// of the kill, every committed message must be handled, its inbox-guarded effect (counted in the
/// consumer's own database) must happen exactly once, and nothing rolled back may ever be delivered.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long Messages = 10_000;
    private const int RollbackEvery = 7;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FlowTimeout = TimeSpan.FromMinutes(4);

    private readonly List<CrashProcess> _processes = [];
    private readonly int _seed = Random.Shared.Next();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string _folder = string.Empty;
    private Random _random = new();

    private string Broker => Path.Combine(_folder, "broker.db");

    private string ProducerDb => Path.Combine(_folder, "producer.db");

    private string ConsumerDb => Path.Combine(_folder, "consumer.db");

    public Task InitializeAsync()
    {
        _folder = Path.Combine(Path.GetTempPath(), "caravan-crash-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_folder);
        _random = new Random(_seed);
        Log($"seed {_seed}, folder {_folder}");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (process.StderrLineCount > 0)
            {
                // Not a failure by itself (a retried handler logs a warning), but worth seeing.
                Log(process.Describe());
            }

            await process.DisposeAsync();
        }

        // Killed processes cannot remove their broker doorbell sockets (see SqliteDoorbell); the folder is
        // named after a hash of the broker's path.
        var bells = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(Broker))))[..16].ToLowerInvariant();
        foreach (var folder in new[] { _folder, Path.Combine(Path.GetTempPath(), "caravan-bells", bells) })
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's own cleanup.
            }
        }
    }

    [Fact]
    public async Task ConsumersKilledAtRandom_EveryMessageHandledExactlyOnce()
    {
        var consumers = new[] { StartConsumer(), StartConsumer() };
        foreach (var consumer in consumers)
        {
            await consumer.WaitForAsync("ready", StartTimeout);
        }

        // Paced so that the flow lasts long enough (about 12 s) for every kill to land in the middle of it.
        var producer = Start("producer", "producer", "--broker", Broker, "--db", ProducerDb, "--count", Num(Messages), "--rate", "800");
        var killPoints = Enumerable.Range(0, 6).Select(_ => (long)_random.Next(300, 8_000)).Order().ToList();
        var handledAtKill = new List<long>();
        foreach (var killPoint in killPoints)
        {
            await Until.HoldsAsync(async () => await HandledDistinctAsync() >= killPoint, $"{killPoint} messages are handled", FlowTimeout, DiagnosticsAsync);
            await Until.HoldsAsync(() => Task.FromResult(consumers.Any(c => c.IsReady)), "a consumer is up", StartTimeout, DiagnosticsAsync);
            var running = Enumerable.Range(0, consumers.Length).Where(i => consumers[i].IsReady).ToList();
            var victim = running[_random.Next(running.Count)];
            var handled = await HandledDistinctAsync();
            await consumers[victim].KillAsync();
            handledAtKill.Add(handled);
            Log($"killed {consumers[victim].Name} (pid {consumers[victim].Id}) with {handled} messages handled");
            consumers[victim] = StartConsumer();
        }

        await Until.HoldsAsync(async () => await HandledDistinctAsync() >= Messages, $"all {Messages} messages are handled", FlowTimeout, DiagnosticsAsync);
        await producer.WaitForExitAsync(FlowTimeout);
        await Until.HoldsAsync(async () => await QueueDepthAsync() == 0, "the broker queue is empty", FlowTimeout, DiagnosticsAsync);
        Log($"all handled and acknowledged");

        var diagnostics = await DiagnosticsAsync();
        Assert.True(producer.ExitCode == 0, $"The producer failed.\n{diagnostics}");
        Assert.True(handledAtKill.Count >= 5 && handledAtKill.All(h => h < Messages), $"Kills happened at {Join(handledAtKill)} handled messages, not all mid-flow.\n{diagnostics}");
        Assert.True(consumers.All(c => !c.HasExited), $"A consumer exited without being killed.\n{diagnostics}");
        await AssertHandledExactlyAsync(Enumerable.Range(1, (int)Messages).Select(i => (long)i).ToList(), diagnostics, withRollbacks: false);

        var pids = await Sql.ScalarAsync(ConsumerDb, "SELECT COUNT(DISTINCT pid) FROM handled");
        Assert.True(pids > 2, $"Only {pids} consumer processes handled messages; the restarted ones should have too.\n{diagnostics}");
    }

    [Fact]
    public async Task ProducerKilledBetweenCommitAndRelay_DeliversEverythingCommittedAndNothingRolledBack()
    {
        var consumer = StartConsumer();
        await consumer.WaitForAsync("ready", StartTimeout);

        // No relay: everything the producer commits stays in its outbox, so the kill comes between commit and relay.
        var producer = Start(
            "producer", "producer", "--broker", Broker, "--db", ProducerDb, "--count", Num(Messages), "--rollback-every", Num(RollbackEvery), "--no-relay");
        var killPoint = _random.Next(2_000, 6_000);
        await producer.WaitForCommittedAsync(killPoint, FlowTimeout);
        await producer.KillAsync();
        Log($"killed the producer after it reported seq {producer.LastCommitted} committed");

        var committed = await ProducedAsync();
        var diagnostics = await DiagnosticsAsync();
        Assert.False(producer.HasSeen("produced"), $"The producer finished before it was killed.\n{diagnostics}");
        Assert.True(committed.Count > 0 && committed[^1] >= producer.LastCommitted, $"Reported commits are missing from the producer's database.\n{diagnostics}");
        AssertSame(ExpectedCommitted(committed[^1]), committed, "committed seqs (all of 1..max except every 7th)", diagnostics);
        Assert.True(await Sql.ScalarAsync(ProducerDb, "SELECT COUNT(*) FROM caravan_outbox") == committed.Count, $"The outbox does not hold exactly the committed messages.\n{diagnostics}");
        Assert.True(await QueueDepthAsync() == 0 && await HandledTotalAsync() == 0, $"Something reached the broker without a relay.\n{diagnostics}");

        var relay = Start("relay", "relay", "--broker", Broker, "--db", ProducerDb);
        await relay.WaitForAsync("ready", StartTimeout);
        await WaitUntilDeliveredAsync(committed.Count);

        await AssertHandledExactlyAsync(committed, await DiagnosticsAsync());
        Assert.True(relay.IsReady && consumer.IsReady, $"The relay or the consumer exited.\n{await DiagnosticsAsync()}");
    }

    [Fact]
    public async Task ProducerWithRelayKilledAtRandomMoments_DeliversEverythingCommittedAndNothingRolledBack()
    {
        var consumers = new[] { StartConsumer(), StartConsumer() };
        foreach (var consumer in consumers)
        {
            await consumer.WaitForAsync("ready", StartTimeout);
        }

        string[] arguments = ["--broker", Broker, "--db", ProducerDb, "--count", Num(Messages), "--rollback-every", Num(RollbackEvery)];
        var first = _random.Next(1_000, 4_000);
        var killPoints = new long[] { first, _random.Next(first + 1_500, 8_000) };
        foreach (var killPoint in killPoints)
        {
            var victim = Start("producer", "producer", arguments);
            await victim.WaitForCommittedAsync(killPoint, FlowTimeout);
            await victim.KillAsync();
            Assert.False(victim.HasSeen("produced"), $"The producer finished before it was killed.\n{await DiagnosticsAsync()}");
            Log($"killed the producer after it reported seq {victim.LastCommitted} committed; {await HandledDistinctAsync()} handled so far");
        }

        var producer = Start("producer", "producer", arguments);
        await producer.WaitForAsync("drained", FlowTimeout);
        await producer.WaitForExitAsync(StartTimeout);
        Assert.True(producer.ExitCode == 0, $"The last producer failed.\n{await DiagnosticsAsync()}");

        var committed = await ProducedAsync();
        AssertSame(ExpectedCommitted(Messages), committed, "committed seqs (all of 1..N except every 7th)", await DiagnosticsAsync());
        await WaitUntilDeliveredAsync(committed.Count);

        await AssertHandledExactlyAsync(committed, await DiagnosticsAsync());
        Assert.True(consumers.All(c => c.IsReady), $"A consumer exited.\n{await DiagnosticsAsync()}");
    }

    [Fact]
    public async Task ConsumerKilledAfterAcknowledgingInItsNextLeaseTransaction_NeitherAcknowledgesNorLeases()
    {
        const int Count = 20;

        // The process completes 10 leased messages and leases the other 10 in one broker transaction, which a trigger
        // keeps open after the acknowledgement: the kill lands between the acknowledgement and the lease.
        var process = Start("ack-lease", "ack-lease", "--broker", Broker, "--db", ConsumerDb, "--count", Num(Count));
        await process.WaitForAsync("acknowledging", StartTimeout);
        await Until.HoldsAsync(() => Task.FromResult(IsWriteLocked(Broker)), "the transaction holds the broker's write lock", StartTimeout, DiagnosticsAsync);
        await process.KillAsync();
        Log($"killed {process.Name} (pid {process.Id}) inside its acknowledge-and-lease transaction");

        var diagnostics = await DiagnosticsAsync();
        Assert.False(process.HasSeen("completed"), $"The transaction committed before the kill.\n{diagnostics}");
        await Sql.ScalarAsync(Broker, "DROP TRIGGER hold_leases");

        // Nothing of the transaction survived: the acknowledged half is still queued under its old lease, so it is
        // redelivered when that lease ends (the inbox absorbs the duplicates), and the other half was never leased.
        Assert.Equal(Count, await Sql.ScalarAsync(Broker, "SELECT COUNT(*) FROM caravan_queue WHERE queue = 'ack-lease'"));
        Assert.Equal(Count / 2, await Sql.ScalarAsync(Broker, "SELECT COUNT(*) FROM caravan_queue WHERE queue = 'ack-lease' AND lease_token IS NOT NULL AND delivery_count = 1"));
        Assert.Equal(Count / 2, await Sql.ScalarAsync(Broker, "SELECT COUNT(*) FROM caravan_queue WHERE queue = 'ack-lease' AND lease_token IS NULL AND delivery_count = 0"));
        var leaseEnds = await Sql.ColumnAsync(Broker, "SELECT visible_at FROM caravan_queue WHERE queue = 'ack-lease' AND lease_token IS NOT NULL");
        var latest = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds();
        Assert.All(leaseEnds, end => Assert.InRange(end, latest - 120_000, latest));
    }

    /// <summary>Whether another connection holds the file's write lock (a write transaction is open); waits at most about 1 s for it.</summary>
    private static bool IsWriteLocked(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False;Default Timeout=1");
        connection.Open();
        try
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            return false;
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.SqliteErrorCode == 5)
        {
            return true;
        }
    }

    private static List<long> ExpectedCommitted(long upTo)
    {
        var expected = new List<long>();
        for (long seq = 1; seq <= upTo; seq++)
        {
            if (seq % RollbackEvery != 0)
            {
                expected.Add(seq);
            }
        }

        return expected;
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Join(IEnumerable<long> values) => string.Join(", ", values);

    private static void AssertSame(List<long> expected, List<long> actual, string what, string diagnostics)
    {
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"{what}: expected {expected.Count}, got {actual.Count}; missing {missing.Count} [{Join(missing.Take(20))}], " +
            $"unexpected {extra.Count} [{Join(extra.Take(20))}].\n{diagnostics}");
    }

    private CrashProcess StartConsumer() =>
        Start($"consumer-{_processes.Count(p => p.Name.StartsWith("consumer", StringComparison.Ordinal)) + 1}", "consumer", "--broker", Broker, "--db", ConsumerDb);

    private CrashProcess Start(string name, string role, params string[] arguments)
    {
        if (name == "producer")
        {
            name = $"producer-{_processes.Count(p => p.Name.StartsWith("producer", StringComparison.Ordinal)) + 1}";
        }

        var process = CrashProcess.Start(name, role, arguments);
        _processes.Add(process);
        Log($"started {name} (pid {process.Id})");
        return process;
    }

    /// <summary>Waits until the consumers handled as many distinct messages as were committed and nothing is left to deliver.</summary>
    private async Task WaitUntilDeliveredAsync(long committed)
    {
        await Until.HoldsAsync(async () => await HandledDistinctAsync() >= committed, $"{committed} messages are handled", FlowTimeout, DiagnosticsAsync);
        await Until.HoldsAsync(
            async () => await QueueDepthAsync() == 0 && await Sql.ScalarAsync(ProducerDb, "SELECT COUNT(*) FROM caravan_outbox") == 0,
            "the outbox and the broker queue are empty",
            FlowTimeout,
            DiagnosticsAsync);
        Log("all handled and acknowledged");
    }

    /// <summary>The handled set is exactly <paramref name="expected"/>, each effect happened once, nothing was dead-lettered.</summary>
    private async Task AssertHandledExactlyAsync(List<long> expected, string diagnostics, bool withRollbacks = true)
    {
        var handled = await Sql.ColumnAsync(ConsumerDb, "SELECT DISTINCT seq FROM handled ORDER BY seq");
        AssertSame(expected, handled, "handled seqs", diagnostics);
        var rolledBack = withRollbacks ? handled.Where(seq => seq % RollbackEvery == 0).Take(20).ToList() : [];
        Assert.True(rolledBack.Count == 0, $"Rolled-back messages were handled: [{Join(rolledBack)}].\n{diagnostics}");

        var total = await HandledTotalAsync();
        var counter = await Sql.ScalarAsync(ConsumerDb, "SELECT n FROM counter");
        var duplicates = await Sql.ColumnAsync(ConsumerDb, "SELECT seq FROM handled GROUP BY seq HAVING COUNT(*) > 1 ORDER BY seq LIMIT 20");
        Assert.True(total == expected.Count, $"The handler's effect happened {total} times for {expected.Count} messages; duplicated seqs [{Join(duplicates)}].\n{diagnostics}");
        Assert.True(counter == expected.Count, $"counter.n is {counter}, not {expected.Count}.\n{diagnostics}");
        Assert.True(await Sql.ScalarAsync(ConsumerDb, "SELECT COUNT(*) FROM caravan_inbox") == expected.Count, $"The inbox does not hold one record per message.\n{diagnostics}");
        Assert.True(await QueueDepthAsync() == 0, $"Messages are left in the broker queue.\n{diagnostics}");
        Assert.True(await DeadLettersAsync() == 0, $"Messages were dead-lettered.\n{diagnostics}");
        Log($"handled {handled.Count} distinct messages, {total} effects, counter {counter}, {_clock.Elapsed.TotalSeconds:F1} s");
    }

    private Task<long> HandledDistinctAsync() => Sql.ScalarAsync(ConsumerDb, "SELECT COUNT(DISTINCT seq) FROM handled");

    private Task<long> HandledTotalAsync() => Sql.ScalarAsync(ConsumerDb, "SELECT COUNT(*) FROM handled");

    private Task<long> QueueDepthAsync() => Sql.ScalarAsync(Broker, "SELECT COUNT(*) FROM caravan_queue");

    private Task<long> DeadLettersAsync() => Sql.ScalarAsync(Broker, "SELECT COUNT(*) FROM caravan_dead_letters");

    private Task<List<long>> ProducedAsync() => Sql.ColumnAsync(ProducerDb, "SELECT seq FROM produced ORDER BY seq");

    private async Task<string> DiagnosticsAsync()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"seed {_seed}, after {_clock.Elapsed.TotalSeconds:F1} s, folder {_folder}");
        await text.AppendCountAsync("handled (distinct)", HandledDistinctAsync);
        await text.AppendCountAsync("handled (rows)", HandledTotalAsync);
        await text.AppendCountAsync("counter", () => Sql.ScalarAsync(ConsumerDb, "SELECT n FROM counter"));
        await text.AppendCountAsync("produced", () => Sql.ScalarAsync(ProducerDb, "SELECT COUNT(*) FROM produced"));
        await text.AppendCountAsync("outbox", () => Sql.ScalarAsync(ProducerDb, "SELECT COUNT(*) FROM caravan_outbox"));
        await text.AppendCountAsync("queue depth", QueueDepthAsync);
        await text.AppendCountAsync("dead letters", DeadLettersAsync);
        foreach (var process in _processes)
        {
            text.AppendLine(process.Describe());
        }

        return text.ToString();
    }

    private void Log(string message) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F2} s] {message}");
}

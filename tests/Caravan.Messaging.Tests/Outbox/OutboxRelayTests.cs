using Caravan.Messaging.Sqlite;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Caravan.Messaging.Tests.Outbox;

/// <summary>
/// The relay's retry logic, against a transport that fails on purpose, and one SQLite-only case. What every
/// outbox store must do is in tests/Caravan.Storage.Tests (StorageContractTests), for SQLite and PostgreSQL.
/// </summary>
public sealed class OutboxRelayTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task RelayBatch_WhenTheTransportFails_RetriesWithBackoffAndRemovesRowsOnlyAfterSuccess()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var database = new SqliteServiceDatabase(_folder.File("service.db"));
        await database.InitializeAsync();
        var outbox = new SqliteOutboxStore(database);
        var transport = new FlakyTransport(failures: 3);
        using var meterFactory = new TestMeterFactory();
        var metrics = new MessagingMetrics(meterFactory);
        using var failures = new MetricCollector<long>(meterFactory, MessagingMetrics.MeterName, "caravan.messaging.relay.failures");
        var options = Options.Create(new MessagingOptions { ServiceName = "svc" });
        var relay = new OutboxRelay(outbox, transport, new OutboxSignal(), metrics, time, new SharedRandomSource(), options, NullLogger<OutboxRelay>.Instance);

        await AddAsync(database, outbox, NewEnvelope(), NewEnvelope());

        var relaying = relay.RelayBatchAsync(CancellationToken.None);
        while (!relaying.IsCompleted)
        {
            Assert.Equal(2, await outbox.CountAsync());
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
            await Task.Delay(1);
        }

        Assert.Equal(2, await relaying);
        Assert.Equal(4, transport.Attempts);
        Assert.Equal(2, transport.Delivered.Count);
        Assert.Equal(0, await outbox.CountAsync());
        Assert.Equal(3, failures.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task Run_WhenASendNeverReturns_GivesItUpAfterTheOperationTimeout_AndRelaysTheRowsOnTheNextCycle()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var database = new SqliteServiceDatabase(_folder.File("service.db"));
        await database.InitializeAsync();
        var outbox = new SqliteOutboxStore(database);
        // The first send never completes and ignores its token, like a publish on a socket nobody reads.
        var transport = new FlakyTransport(failures: 0, hangs: 1);
        using var meterFactory = new TestMeterFactory();
        var metrics = new MessagingMetrics(meterFactory);
        using var failures = new MetricCollector<long>(meterFactory, MessagingMetrics.MeterName, "caravan.messaging.relay.failures");
        var options = Options.Create(new MessagingOptions { ServiceName = "svc" });
        options.Value.Outbox.OperationTimeout = TimeSpan.FromSeconds(5);
        var relay = new OutboxRelay(outbox, transport, new OutboxSignal(), metrics, time, new SharedRandomSource(), options, NullLogger<OutboxRelay>.Instance);
        await AddAsync(database, outbox, NewEnvelope(), NewEnvelope());
        var started = time.GetUtcNow();

        using var stopping = new CancellationTokenSource();
        var running = relay.RunAsync(stopping.Token);
        for (var step = 0; await outbox.CountAsync() > 0; step++)
        {
            Assert.True(step < 10_000, "the relay never sent the rows");
            Assert.False(running.IsCompleted);
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Yield();
            await Task.Delay(1);
        }

        Assert.Equal(2, transport.Attempts);
        Assert.Equal(2, transport.Delivered.Count);
        Assert.Equal(1, failures.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.True(relay.LastCycleAt >= started + TimeSpan.FromSeconds(5), $"last cycle at {relay.LastCycleAt}, started {started}");
        await stopping.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Run_StoppedRightAfterASend_StillRemovesTheSentRows_SoTheLastPassSendsNothingAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var database = new SqliteServiceDatabase(_folder.File("service.db"));
        await database.InitializeAsync();
        var outbox = new SqliteOutboxStore(database);
        using var stopping = new CancellationTokenSource();
        // The host stops while the transport confirms: the relay's token is cancelled before it removes the rows.
        var transport = new FlakyTransport(failures: 0) { AfterDelivery = stopping.Cancel };
        using var meterFactory = new TestMeterFactory();
        var options = Options.Create(new MessagingOptions { ServiceName = "svc" });
        var relay = new OutboxRelay(outbox, transport, new OutboxSignal(), new MessagingMetrics(meterFactory), time, new SharedRandomSource(), options, NullLogger<OutboxRelay>.Instance);
        await AddAsync(database, outbox, NewEnvelope(), NewEnvelope());

        await relay.RunAsync(stopping.Token).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, await outbox.CountAsync());
        Assert.Equal(0, await relay.RelayBatchAsync(CancellationToken.None)); // the host's last pass (MessagingHostedService.StopAsync)
        Assert.Equal(2, transport.Delivered.Count);
    }

    [Fact]
    public async Task Remove_ByALateRelay_LeavesANewerRowThatReusedTheId()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var database = new SqliteServiceDatabase(_folder.File("service.db"));
        await database.InitializeAsync();
        var late = new SqliteOutboxStore(database, relayId: "late");
        var current = new SqliteOutboxStore(database, relayId: "current");
        await AddAsync(database, late, NewEnvelope());
        var sentByLate = Assert.Single(await late.ClaimAsync(10, time.GetUtcNow(), null, TimeSpan.FromSeconds(10)));

        // The late relay stalls past its claim; the current one sends and removes the row itself.
        time.Advance(TimeSpan.FromSeconds(11));
        var sentByCurrent = Assert.Single(await current.ClaimAsync(10, time.GetUtcNow(), null, TimeSpan.FromSeconds(10)));
        await current.RemoveAsync([sentByCurrent]);
        await AddAsync(database, current, NewEnvelope());
        var newer = Assert.Single(await current.ClaimAsync(10, time.GetUtcNow(), null, TimeSpan.FromSeconds(10)));
        Assert.Equal(sentByLate.Id, newer.Id);

        await late.RemoveAsync([sentByLate]);

        Assert.Equal(1, await current.CountAsync());
    }

    [Fact]
    public async Task Claim_WhileItsRelayLeaseIsFresh_DoesNotWaitForTheServicesWriteTransaction()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var database = new SqliteServiceDatabase(_folder.File("service.db"));
        await database.InitializeAsync();
        var outbox = new SqliteOutboxStore(database, relayId: "relay");
        await AddAsync(database, outbox, NewEnvelope(), NewEnvelope());
        Assert.Equal(2, (await outbox.ClaimAsync(10, time.GetUtcNow(), null, TimeSpan.FromSeconds(30))).Count);

        // A business transaction holds the database's writer; less than a third of the relay lease has passed.
        await using var business = await database.BeginTransactionAsync();
        time.Advance(TimeSpan.FromSeconds(9));
        var claimed = await outbox.ClaimAsync(10, time.GetUtcNow(), null, TimeSpan.FromSeconds(30)).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(2, claimed.Count);
        await business.RollbackAsync();
    }

    [Fact]
    public async Task ClaimedMessages_CarryTheirStoredMetadata_OnlyForTheEnvelopeItWasReadWith()
    {
        var database = new SqliteServiceDatabase(_folder.File("service.db"));
        await database.InitializeAsync();
        var outbox = new SqliteOutboxStore(database);
        var envelope = NewEnvelope() with { CorrelationId = "order-7", Headers = new Dictionary<string, string> { ["tenant"] = "a" } };
        await AddAsync(database, outbox, envelope);

        var message = Assert.Single(await outbox.ClaimAsync(10, DateTimeOffset.UnixEpoch, null, TimeSpan.FromSeconds(10))).Message;

        Assert.Equal(EnvelopeCodec.EncodeMetadata(envelope), System.Text.Encoding.UTF8.GetString(message.StoredMetadata!));
        Assert.Equal(EnvelopeCodec.EncodeMetadata(message.Envelope), System.Text.Encoding.UTF8.GetString(message.StoredMetadata!));
        Assert.Null((message with { Envelope = message.Envelope with { CorrelationId = "other" } }).StoredMetadata);
        Assert.Null(OutgoingMessage.Send(envelope, "q").StoredMetadata);
    }

    private static async Task AddAsync(SqliteServiceDatabase database, SqliteOutboxStore outbox, params Envelope[] envelopes)
    {
        await using var transaction = await database.BeginTransactionAsync();
        await outbox.AddAsync(transaction.Transaction, [.. envelopes.Select(envelope => OutgoingMessage.Send(envelope, "q"))]);
        await transaction.CommitAsync();
    }

    private static Envelope NewEnvelope() => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = "t",
        CreatedAt = DateTimeOffset.UnixEpoch,
        Body = "{}"u8.ToArray(),
    };

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }

    /// <summary>An in-memory stand-in whose first sends never return or fail: only the relay's logic is under test.</summary>
    private sealed class FlakyTransport(int failures, int hangs = 0) : IMessageTransport
    {
        private int _remainingFailures = failures;
        private int _remainingHangs = hangs;

        public int Attempts { get; private set; }

        public List<OutgoingMessage> Delivered { get; } = [];

        /// <summary>Runs after each successful delivery, before SendAsync returns.</summary>
        public Action? AfterDelivery { get; init; }

        public string Name => "flaky";

        public bool SupportsDelayedDelivery => true;

        public IDeadLetterQueue DeadLetters => throw new NotSupportedException();

        public Task SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
        {
            Attempts++;
            if (_remainingHangs-- > 0)
            {
                return new TaskCompletionSource().Task;
            }

            if (_remainingFailures-- > 0)
            {
                throw new IOException("broker unreachable");
            }

            Delivered.AddRange(messages);
            AfterDelivery?.Invoke();
            return Task.CompletedTask;
        }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task SubscribeAsync(string queue, IReadOnlyCollection<string> messageTypes, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<IReadOnlyList<TransportMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task WaitForMessagesAsync(string queue, TimeSpan maxWait, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task CompleteAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RetryLaterAsync(TransportMessage message, TimeSpan delay, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task ReleaseAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RenewLeasesAsync(IReadOnlyList<TransportMessage> messages, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeadLetterAsync(TransportMessage message, FailureInfo failure, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<long> GetQueueDepthAsync(string queue, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

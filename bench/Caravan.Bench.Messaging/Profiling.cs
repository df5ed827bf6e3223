using System.Collections.Concurrent;
using System.Data.Common;
using Caravan.Messaging;
using Caravan.Messaging.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Caravan.Bench.Messaging;

/// <summary>Counts and times calls by name (thread-safe).</summary>
internal sealed class Profiler
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public async Task<T> TimeAsync<T>(string name, Func<Task<T>> call, Func<T, int>? items = null)
    {
        var started = BenchClock.NowNs();
        var result = await call();
        Add(name, BenchClock.NowNs() - started, items?.Invoke(result) ?? 1);
        return result;
    }

    public async Task TimeAsync(string name, Func<Task> call, int items = 1)
    {
        var started = BenchClock.NowNs();
        await call();
        Add(name, BenchClock.NowNs() - started, items);
    }

    public void Reset() => _counters.Clear();

    public Dictionary<string, OperationStats> Snapshot() =>
        _counters.ToDictionary(
            pair => pair.Key,
            pair => new OperationStats(Interlocked.Read(ref pair.Value.Calls), Interlocked.Read(ref pair.Value.TotalNs), Interlocked.Read(ref pair.Value.Items)),
            StringComparer.Ordinal);

    private void Add(string name, long elapsedNs, int items)
    {
        var counter = _counters.GetOrAdd(name, static _ => new Counter());
        Interlocked.Increment(ref counter.Calls);
        Interlocked.Add(ref counter.TotalNs, elapsedNs);
        Interlocked.Add(ref counter.Items, items);
    }

    private sealed class Counter
    {
        public long Calls;
        public long TotalNs;
        public long Items;
    }
}

/// <summary>
/// With <c>--profile</c>: wraps Caravan's public storage and transport seams (the SQLite
/// implementations stay the ones that run) to count and time each call. Each store or transport
/// call named here is one SQLite transaction, except "db.open", "db.begin" and "outbox.add", which
/// are parts of the sender's or handler's own transaction.
/// </summary>
internal static class Profiling
{
    public static void Decorate(IServiceCollection services, Profiler profiler)
    {
        services.RemoveAll<IMessageTransport>();
        services.AddSingleton<IMessageTransport>(provider => new ProfiledTransport(provider.GetRequiredService<SqliteTransport>(), profiler));
        services.RemoveAll<IServiceDatabase>();
        services.AddSingleton<IServiceDatabase>(provider => new ProfiledDatabase(provider.GetRequiredService<SqliteServiceDatabase>(), profiler));
        services.RemoveAll<IOutboxStore>();
        services.AddSingleton<IOutboxStore>(provider => new ProfiledOutbox(new SqliteOutboxStore(provider.GetRequiredService<SqliteServiceDatabase>()), profiler));
        services.RemoveAll<IInboxStore>();
        services.AddSingleton<IInboxStore>(provider => new ProfiledInbox(new SqliteInboxStore(provider.GetRequiredService<SqliteServiceDatabase>()), profiler));
    }

    private sealed class ProfiledTransport(IMessageTransport inner, Profiler profiler) : IMessageTransport
    {
        public string Name => inner.Name;

        public bool SupportsDelayedDelivery => inner.SupportsDelayedDelivery;

        public IDeadLetterQueue DeadLetters => inner.DeadLetters;

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task SubscribeAsync(string queue, IReadOnlyCollection<string> messageTypes, CancellationToken cancellationToken = default) =>
            inner.SubscribeAsync(queue, messageTypes, cancellationToken);

        public Task SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.send (relay)", () => inner.SendAsync(messages, cancellationToken), messages.Count);

        public Task<IReadOnlyList<TransportMessage>> ReceiveAsync(
            string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.receive", () => inner.ReceiveAsync(queue, maxMessages, leaseDuration, cancellationToken), static r => r.Count);

        public bool CompletesWithReceive => inner.CompletesWithReceive;

        public Task<IReadOnlyList<TransportMessage>> CompleteAndReceiveAsync(
            IReadOnlyList<TransportMessage> completed, string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync(
                "broker.complete+receive", () => inner.CompleteAndReceiveAsync(completed, queue, maxMessages, leaseDuration, cancellationToken), static r => r.Count);

        public Task WaitForMessagesAsync(string queue, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.wait (idle)", () => inner.WaitForMessagesAsync(queue, maxWait, cancellationToken));

        public Task CompleteAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.complete (ack)", () => inner.CompleteAsync(messages, cancellationToken), messages.Count);

        public Task RetryLaterAsync(TransportMessage message, TimeSpan delay, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.retry", () => inner.RetryLaterAsync(message, delay, cancellationToken));

        public Task ReleaseAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.release", () => inner.ReleaseAsync(messages, cancellationToken), messages.Count);

        public Task RenewLeasesAsync(IReadOnlyList<TransportMessage> messages, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.renew", () => inner.RenewLeasesAsync(messages, leaseDuration, cancellationToken), messages.Count);

        public Task DeadLetterAsync(TransportMessage message, FailureInfo failure, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.dead-letter", () => inner.DeadLetterAsync(message, failure, cancellationToken));

        public Task<long> GetQueueDepthAsync(string queue, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("broker.depth", () => inner.GetQueueDepthAsync(queue, cancellationToken));
    }

    private sealed class ProfiledDatabase(IServiceDatabase inner, Profiler profiler) : IServiceDatabase
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("db.open (reads)", () => inner.OpenConnectionAsync(cancellationToken));

        public Task<DatabaseTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("db.begin (writer + immediate)", () => inner.BeginTransactionAsync(cancellationToken));
    }

    private sealed class ProfiledOutbox(IOutboxStore inner, Profiler profiler) : IOutboxStore
    {
        public Task AddAsync(DbTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("outbox.add", () => inner.AddAsync(transaction, messages, cancellationToken), messages.Count);

        public Task<IReadOnlyList<OutboxEntry>> ClaimAsync(
            int maxMessages, DateTimeOffset now, DateTimeOffset? dueBy, TimeSpan claimDuration, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("outbox.claim (relay)", () => inner.ClaimAsync(maxMessages, now, dueBy, claimDuration, cancellationToken), static r => r.Count);

        public Task RemoveAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("outbox.remove (relay)", () => inner.RemoveAsync(entries, cancellationToken), entries.Count);

        public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("outbox.count", () => inner.CountAsync(cancellationToken));

        public Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("outbox.next-due", () => inner.GetNextDueAsync(cancellationToken));
    }

    private sealed class ProfiledInbox(IInboxStore inner, Profiler profiler) : IInboxStore
    {
        public Task<bool> TryRecordAsync(
            DbTransaction transaction, string endpoint, Guid messageId, DateTimeOffset handledAt, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("inbox.record", () => inner.TryRecordAsync(transaction, endpoint, messageId, handledAt, cancellationToken));

        public Task<int> RemoveHandledBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
            profiler.TimeAsync("inbox.cleanup", () => inner.RemoveHandledBeforeAsync(cutoff, cancellationToken));
    }
}

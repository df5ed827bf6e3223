using System.Text;
using Caravan.Messaging.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Caravan.Messaging.Tests.Sqlite;

/// <summary>Lease and delay arithmetic of the SQLite broker, on a fake clock.</summary>
public sealed class SqliteTransportTimingTests : IDisposable
{
    private readonly TestDirectory _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly SqliteTransport _transport;

    public SqliteTransportTimingTests()
    {
        _transport = new SqliteTransport(new SqliteTransportOptions { Path = _folder.File("broker.db") }, _time, new SharedRandomSource());
    }

    public void Dispose()
    {
        _transport.Dispose();
        _folder.Dispose();
    }

    private async Task<Envelope> SendAsync(string queue, DateTimeOffset? deliverAt = null)
    {
        await _transport.InitializeAsync();
        var envelope = new Envelope
        {
            MessageId = Guid.CreateVersion7(_time.GetUtcNow()),
            MessageType = "t",
            CreatedAt = _time.GetUtcNow(),
            DeliverAt = deliverAt,
            Body = Encoding.UTF8.GetBytes("{}"),
        };
        await _transport.SendAsync([OutgoingMessage.Send(envelope, queue)]);
        return envelope;
    }

    [Fact]
    public async Task Lease_HidesTheMessageUntilItsLastMillisecond_ThenRedelivers()
    {
        await SendAsync("q");
        Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var again = Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(2, again.DeliveryCount);
        Assert.Equal(0, again.FailureCount);
        Assert.Equal(1, again.Envelope.Attempt);
    }

    [Fact]
    public async Task RenewedLease_LastsFromTheRenewal()
    {
        await SendAsync("q");
        var leased = await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(20));
        await _transport.RenewLeasesAsync(leased, TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task DelayedMessage_BecomesVisibleExactlyAtItsTime()
    {
        await SendAsync("q", _time.GetUtcNow().AddMinutes(5));

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task RetryLater_CountsAFailure_AndHidesTheMessageForTheDelay()
    {
        await SendAsync("q");
        var leased = Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));

        await _transport.RetryLaterAsync(leased, TimeSpan.FromSeconds(4));
        _time.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var retried = Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, retried.FailureCount);
        Assert.Equal(2, retried.Envelope.Attempt);
    }

    [Fact]
    public async Task Release_MakesTheMessageVisibleAtOnce_WithoutCountingTheDelivery()
    {
        await SendAsync("q");
        var leased = await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30));

        await _transport.ReleaseAsync(leased);

        var again = Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, again.DeliveryCount);
    }

    [Fact]
    public async Task WaitForMessages_ReturnsWhenTheNextDelayedMessageIsDue()
    {
        await SendAsync("q", _time.GetUtcNow().AddSeconds(10));

        var waiting = _transport.WaitForMessagesAsync("q", TimeSpan.FromMinutes(1));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(10) + TimeSpan.FromMilliseconds(1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task WaitForMessages_WokenWhenARetriedMessageIsDue()
    {
        await SendAsync("q");
        var leased = Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
        await _transport.RetryLaterAsync(leased, TimeSpan.FromSeconds(3));

        var waiting = _transport.WaitForMessagesAsync("q", TimeSpan.FromMinutes(1));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(3) + TimeSpan.FromMilliseconds(1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        var again = Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, again.FailureCount);
    }

    [Fact]
    public async Task WaitForMessages_DoesNotWatchLeaseEnds_AnExpiredLeaseIsTakenOverAfterMaxWait()
    {
        // Leased rows are not in the index the wait reads (one index update fewer per lease and
        // acknowledgement): a dead consumer's lease is found by the waiting consumer's next poll.
        await SendAsync("q");
        Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(2)));

        var waiting = _transport.WaitForMessagesAsync("q", TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(1));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(3));

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        var again = Assert.Single(await _transport.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public async Task WaitForMessages_IsWokenBySend_BeforeItsTimeout()
    {
        await _transport.InitializeAsync();
        var waiting = _transport.WaitForMessagesAsync("q", TimeSpan.FromHours(1));

        await SendAsync("q");

        // The fake clock never moves: only the doorbell can end this wait.
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

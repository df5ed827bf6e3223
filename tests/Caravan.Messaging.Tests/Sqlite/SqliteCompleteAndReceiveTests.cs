using System.Text;
using Caravan.Messaging.Sqlite;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Tests.Sqlite;

/// <summary>
/// The SQLite transport acknowledges handled messages in the same broker transaction as the next lease:
/// both happen or neither does, and a lease that passed to another consumer is never completed.
/// </summary>
public sealed class SqliteCompleteAndReceiveTests : IDisposable
{
    private readonly TestDirectory _folder = new();
    private readonly List<SqliteTransport> _transports = [];

    public void Dispose()
    {
        foreach (var transport in _transports)
        {
            transport.Dispose();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task CompleteAndReceive_RemovesTheCompleted_AndLeasesTheNext()
    {
        var transport = await CreateTransportAsync();
        Assert.True(transport.CompletesWithReceive);
        await SendAsync(transport, "1", "2", "3", "4");
        var first = await transport.ReceiveAsync("q", 2, TimeSpan.FromSeconds(30));

        var next = await transport.CompleteAndReceiveAsync(first, "q", 10, TimeSpan.FromSeconds(30));

        Assert.Equal(["1", "2"], first.Select(Body));
        Assert.Equal(["3", "4"], next.Select(Body));
        Assert.All(next, m => Assert.Equal(1, m.DeliveryCount));
        Assert.Equal(2, await transport.GetQueueDepthAsync("q"));
        Assert.Empty(await transport.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30)));
        Assert.Empty(await transport.CompleteAndReceiveAsync(next, "q", 10, TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await transport.GetQueueDepthAsync("q"));
    }

    [Fact]
    public async Task CompleteAndReceive_ThatFailsAfterTheAcknowledgement_NeitherCompletesNorLeases()
    {
        var transport = await CreateTransportAsync();
        await SendAsync(transport, "1", "2", "3");
        var handled = await transport.ReceiveAsync("q", 1, TimeSpan.FromMilliseconds(300));

        // The acknowledgement (a delete) runs first; the lease that follows in the same transaction is refused.
        await ExecuteAsync("""
            CREATE TRIGGER refuse_leases BEFORE UPDATE OF lease_token ON caravan_queue
            WHEN NEW.lease_token IS NOT NULL BEGIN SELECT RAISE(ABORT, 'lease refused by the test'); END
            """);
        var error = await Assert.ThrowsAsync<SqliteException>(() => transport.CompleteAndReceiveAsync(handled, "q", 10, TimeSpan.FromSeconds(30)));
        Assert.Contains("lease refused by the test", error.Message, StringComparison.Ordinal);
        await ExecuteAsync("DROP TRIGGER refuse_leases");

        // Nothing of it happened: the handled message is still there and still leased, the others were not leased.
        Assert.Equal(3, await transport.GetQueueDepthAsync("q"));
        var others = await transport.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30));
        Assert.Equal(["2", "3"], others.Select(Body));
        Assert.All(others, m => Assert.Equal(1, m.DeliveryCount));

        // The handled message's lease runs out and it is delivered again (the consumer's inbox absorbs the duplicate).
        IReadOnlyList<TransportMessage> again = [];
        await Eventually.HoldsAsync(
            async () => (again = await transport.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30))).Count == 1,
            "the handled message is redelivered once its lease expires");
        Assert.Equal("1", Body(again[0]));
        Assert.Equal(2, again[0].DeliveryCount);
    }

    [Fact]
    public async Task CompleteAndReceive_LeavesAMessageWhoseLeasePassedToAnotherConsumer()
    {
        var slow = await CreateTransportAsync();
        var other = await CreateTransportAsync();
        await SendAsync(slow, "1");
        var expired = await slow.ReceiveAsync("q", 1, TimeSpan.FromMilliseconds(200));
        IReadOnlyList<TransportMessage> taken = [];
        await Eventually.HoldsAsync(
            async () => (taken = await other.ReceiveAsync("q", 1, TimeSpan.FromSeconds(30))).Count == 1,
            "the other consumer leases the message once the first lease expires");

        Assert.Empty(await slow.CompleteAndReceiveAsync(expired, "q", 10, TimeSpan.FromSeconds(30)));

        Assert.Equal(1, await other.GetQueueDepthAsync("q"));
        await other.CompleteAsync(taken);
        Assert.Equal(0, await other.GetQueueDepthAsync("q"));
    }

    private static string Body(TransportMessage message) => Encoding.UTF8.GetString(message.Envelope.Body.Span);

    private async Task<SqliteTransport> CreateTransportAsync()
    {
        var transport = new SqliteTransport(new SqliteTransportOptions { Path = _folder.File("broker.db") }, TimeProvider.System, new SharedRandomSource());
        _transports.Add(transport);
        await transport.InitializeAsync();
        return transport;
    }

    private static async Task SendAsync(SqliteTransport transport, params string[] bodies)
    {
        foreach (var body in bodies)
        {
            await transport.SendAsync([OutgoingMessage.Send(new Envelope
            {
                MessageId = Guid.CreateVersion7(),
                MessageType = "t",
                CreatedAt = TimeProvider.System.GetUtcNow(),
                Body = Encoding.UTF8.GetBytes(body),
            }, "q")]);
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_folder.File("broker.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=30000;" + sql;
        await command.ExecuteNonQueryAsync();
    }
}

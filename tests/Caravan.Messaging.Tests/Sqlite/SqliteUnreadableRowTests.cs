using Caravan.Messaging.Sqlite;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Tests.Sqlite;

/// <summary>Rows this version cannot read (another version's, or hand-written) must not block their queue.</summary>
public sealed class SqliteUnreadableRowTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Receive_MovesUnreadableRowsToTheDeadLetters_AndDeliversTheRest()
    {
        using var transport = new SqliteTransport(new SqliteTransportOptions { Path = _folder.File("broker.db") }, TimeProvider.System, new SharedRandomSource());
        await transport.InitializeAsync();
        for (var i = 0; i < 3; i++)
        {
            await transport.SendAsync([OutgoingMessage.Send(new Envelope
            {
                MessageId = Guid.CreateVersion7(),
                MessageType = "t",
                CreatedAt = TimeProvider.System.GetUtcNow(),
                Body = "{}"u8.ToArray(),
            }, "q")]);
        }

        await using (var connection = new SqliteConnection($"Data Source={_folder.File("broker.db")}"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO caravan_queue (queue, priority, visible_at, enqueued_at, message_id, message_type, metadata, body)
                VALUES ('q', 4, 0, 0, $id, 'from.the.future', 'not json', x'7B7D'),
                       ('q', 4, 0, 0, 'not a guid', 'from.the.future', '{"createdAt":0}', x'7B7D')
                """;
            insert.Parameters.AddWithValue("$id", Guid.CreateVersion7().ToString());
            await insert.ExecuteNonQueryAsync();
        }

        var received = await transport.ReceiveAsync("q", 10, TimeSpan.FromSeconds(30));

        Assert.Equal(3, received.Count);
        var dead = await transport.DeadLetters.ListAsync(new DeadLetterQuery());
        Assert.Equal(2, dead.Count);
        Assert.All(dead, d => Assert.Equal(DeadLetterReason.DeserializationFailed, d.Failure.Reason));
        Assert.Equal("not json", dead[0].Envelope.Headers[EnvelopeHeaders.UnreadableMetadata]);
        Assert.Equal(Guid.Empty, dead[1].Envelope.MessageId);
        Assert.Equal(3, await transport.GetQueueDepthAsync("q"));
    }
}

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Messaging.Tests.Outbox;

/// <summary>The transactional outbox: messages leave only with the business data they belong to.</summary>
public sealed class MessageSessionTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<MessagingHost> StartAsync(string service, Action<MessagingBuilder>? configure = null) =>
        MessagingHost.StartAsync(service, m => m.UseSqliteTransport(_folder.File("broker.db")), _folder.File(service + ".db"), configure);

    private static async Task CreateOrdersTableAsync(MessagingHost host)
    {
        await using var session = await host.Bus.BeginAsync();
        await using var command = session.Connection.CreateCommand();
        command.Transaction = session.Transaction;
        command.CommandText = "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY)";
        await command.ExecuteNonQueryAsync();
        await session.CommitAsync();
    }

    private static async Task InsertOrderAsync(MessageSession session, Guid id)
    {
        await using var command = session.Connection.CreateCommand();
        command.Transaction = session.Transaction;
        command.CommandText = "INSERT INTO orders (id) VALUES ($id)";
        command.Parameters.Add(new SqliteParameter("$id", id.ToString()));
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task CommittedSession_DeliversItsMessages_WithItsBusinessData()
    {
        var published = new Received<OrderPlaced>();
        await using var billing = await StartAsync("billing", m => m.Handle<OrderPlaced>((order, context, _) => { published.Add(order, context); return Task.CompletedTask; }));
        await using var orders = await StartAsync("orders");
        await CreateOrdersTableAsync(orders);
        var orderId = Guid.NewGuid();

        await using (var session = await orders.Bus.BeginAsync())
        {
            await InsertOrderAsync(session, orderId);
            session.Publish(new OrderPlaced(orderId, 42m));
            await session.CommitAsync();
        }

        await Eventually.HoldsAsync(() => published.Count == 1, "the event is delivered");
        Assert.Equal(orderId, published.Messages[0].OrderId);
    }

    [Fact]
    public async Task RolledBackOrAbandonedSession_SendsNothing()
    {
        var received = new Received<Ping>();
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((ping, context, _) => { received.Add(ping, context); return Task.CompletedTask; }));
        await using var producer = await StartAsync("producer");

        await using (var rolledBack = await producer.Bus.BeginAsync())
        {
            rolledBack.Send(new Ping(1));
            await rolledBack.RollbackAsync();
        }

        await using (var abandoned = await producer.Bus.BeginAsync())
        {
            abandoned.Send(new Ping(2));
        }

        await producer.Bus.SendAsync(new Ping(3));

        // Ping 3 was committed after the others; once it arrives, the relay has been past them too.
        await Eventually.HoldsAsync(() => received.Count == 1, "the committed ping arrives");
        await Eventually.HoldsAsync(async () => await producer.Services.GetRequiredService<IOutboxStore>().CountAsync() == 0, "the outbox drains");
        Assert.Equal([3], received.Messages.Select(p => p.Number));
    }

    [Fact]
    public async Task Outbox_KeepsCommittedMessagesWhileNoRelayRuns_AndTheNextRelayDeliversThem()
    {
        var received = new Received<Ping>();
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((ping, context, _) => { received.Add(ping, context); return Task.CompletedTask; }));
        await using (var withoutRelay = await StartAsync("producer", m => m.Configure(o => o.Outbox.RelayEnabled = false)))
        {
            for (var i = 0; i < 5; i++)
            {
                await withoutRelay.Bus.SendAsync(new Ping(i));
            }

            Assert.Equal(5, await withoutRelay.Services.GetRequiredService<IOutboxStore>().CountAsync());
        }

        Assert.Equal(0, received.Count);
        await using var withRelay = await StartAsync("producer");

        await Eventually.HoldsAsync(() => received.Count == 5, "the restarted relay delivers the backlog");
        Assert.Equal([0, 1, 2, 3, 4], received.Messages.Select(p => p.Number).Order());
    }

    [Fact]
    public async Task Reply_GoesToTheRequestersQueue_WithItsCorrelationAndCause()
    {
        var replies = new Received<Pong>();
        await using var responder = await StartAsync("pinged", m => m.Handle<Ping>((ping, context, _) =>
        {
            context.Reply(new Pong(ping.Number * 10));
            return Task.CompletedTask;
        }));
        await using var requester = await StartAsync("requester", m => m.Handle<Pong>((pong, context, _) => { replies.Add(pong, context); return Task.CompletedTask; }));

        var requestId = await requester.Bus.SendAsync(new Ping(4), new MessageOptions { CorrelationId = "conversation-9", Priority = MessagePriority.High });

        await Eventually.HoldsAsync(() => replies.Count == 1, "the reply arrives");
        var reply = replies.Envelopes[0];
        Assert.Equal(new Pong(40), replies.Messages[0]);
        Assert.Equal("conversation-9", reply.CorrelationId);
        Assert.Equal(requestId.ToString(), reply.CausationId);
        Assert.Equal(requestId.ToString(), reply.Headers[EnvelopeHeaders.InReplyTo]);
        Assert.Equal(MessagePriority.High, reply.Priority);
    }

    [Fact]
    public async Task WireNames_LetTheConsumerUseAnotherClrTypeThanTheProducer()
    {
        var received = new Received<RenamedPing>();
        await using var consumer = await StartAsync("renamed", m =>
        {
            m.AddMessage<RenamedPing>("test.renamed-ping");
            m.Handle<RenamedPing>((ping, context, _) => { received.Add(ping, context); return Task.CompletedTask; });
        });
        await using var producer = await StartAsync("producer", m => m.AddMessage<OriginalPing>("test.renamed-ping", destination: "renamed"));

        await producer.Bus.SendAsync(new OriginalPing(5));

        await Eventually.HoldsAsync(() => received.Count == 1, "the renamed type receives the message");
        Assert.Equal(5, received.Messages[0].Number);
    }

    [Fact]
    public async Task Send_WithoutAnyDestination_Throws()
    {
        await using var host = await StartAsync("producer");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Bus.SendAsync(new Pong(1)));
        Assert.Contains("No destination", error.Message, StringComparison.Ordinal);
    }

    private sealed record OriginalPing(int Number);

    private sealed record RenamedPing(int Number);
}

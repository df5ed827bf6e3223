using Caravan.Contracts;

namespace Caravan.Services.Tests.Notifications;

public abstract class OrderNotificationTests(ServiceStorage storage)
{
    private static readonly DateTimeOffset At = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task OrderConfirmed_RecordsOneConfirmedNotificationForTheUser()
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);
        var (orderId, userId) = (Guid.NewGuid(), Guid.NewGuid());

        await bed.PublishAsync(new OrderConfirmed(orderId, userId, 25.5m, At));
        await bed.WaitUntilHandledAsync(1);

        var list = await (await bed.Client.GetAsync($"/api/v1/notifications?orderId={orderId}")).ReadJsonAsync();
        var notification = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal(orderId, notification.GetProperty("orderId").GetGuid());
        Assert.Equal(userId, notification.GetProperty("userId").GetGuid());
        Assert.Equal("Confirmed", notification.GetProperty("kind").GetString());
        Assert.Equal($"Your order {orderId} is confirmed. Total: 25.50.", notification.GetProperty("message").GetString());
        var id = notification.GetProperty("id").GetGuid();
        var single = await (await bed.Client.GetAsync($"/api/v1/notifications/{id}")).ReadJsonAsync();
        Assert.Equal(notification.GetRawText(), single.GetRawText());
    }

    [Fact]
    public async Task OrderCancelled_RecordsOneCancelledNotificationWithTheReason()
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);
        var (orderId, userId) = (Guid.NewGuid(), Guid.NewGuid());

        await bed.PublishAsync(new OrderCancelled(orderId, userId, "payment declined", At));
        await bed.WaitUntilHandledAsync(1);

        var list = await (await bed.Client.GetAsync($"/api/v1/notifications?userId={userId}")).ReadJsonAsync();
        var notification = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("Cancelled", notification.GetProperty("kind").GetString());
        Assert.Equal($"Your order {orderId} was cancelled: payment declined.", notification.GetProperty("message").GetString());
    }

    [Fact]
    public async Task SameEventDeliveredTwice_WithNewMessageIds_RecordsOneNotification()
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);
        var confirmed = new OrderConfirmed(Guid.NewGuid(), Guid.NewGuid(), 10m, At);
        var cancelled = new OrderCancelled(Guid.NewGuid(), Guid.NewGuid(), "out of stock", At);

        await bed.PublishAsync(confirmed);
        await bed.PublishAsync(confirmed);
        await bed.PublishAsync(cancelled);
        await bed.PublishAsync(cancelled);
        await bed.WaitUntilHandledAsync(4);

        var rows = await bed.QueryAsync<(string OrderId, string Kind)>("SELECT order_id, kind FROM notifications ORDER BY kind");
        Assert.Equal([(cancelled.OrderId.ToString(), "Cancelled"), (confirmed.OrderId.ToString(), "Confirmed")], rows);
    }

    [Fact]
    public async Task BothEventsForOneOrder_RecordOneNotificationOfEachKind()
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);
        var (orderId, userId) = (Guid.NewGuid(), Guid.NewGuid());

        await bed.PublishAsync(new OrderConfirmed(orderId, userId, 10m, At));
        await bed.PublishAsync(new OrderCancelled(orderId, userId, "", At));
        await bed.WaitUntilHandledAsync(2);

        var kinds = await bed.QueryAsync<string>("SELECT kind FROM notifications WHERE order_id = @orderId ORDER BY kind", new { orderId = orderId.ToString() });
        Assert.Equal(["Cancelled", "Confirmed"], kinds);
        Assert.Contains(
            $"Your order {orderId} was cancelled.",
            await bed.QueryAsync<string>("SELECT message FROM notifications WHERE kind = 'Cancelled'"));
    }
}

public sealed class OrderNotificationOnSqliteTests() : OrderNotificationTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class OrderNotificationOnPostgresTests(PostgresStorage storage) : OrderNotificationTests(storage);

using Caravan.Notifications;

namespace Caravan.Services.Tests.Notifications;

/// <summary>The notifications service on a fresh broker, with a probe that publishes order events to it.</summary>
internal sealed class NotificationsTestBed : ServiceTestBed
{
    private NotificationsTestBed(TestDirectory directory, ServiceHost host, MessagingProbe probe)
        : base(directory, host, probe)
    {
    }

    public static async Task<NotificationsTestBed> StartAsync(ServiceStorage? storage = null)
    {
        var directory = new TestDirectory();

        // The service starts first: its consumer declares the subscriptions the probe's events are copied to.
        var host = await ServiceHost.StartAsync(directory.Path, builder => builder.AddNotificationsService(), app => app.MapNotificationsEndpoints(), storage: storage);
        var probe = await MessagingProbe.StartAsync(directory.Path, "orders-probe");
        return new NotificationsTestBed(directory, host, probe);
    }

    /// <summary>Publishes an event as the orders service would, with a message id of its own.</summary>
    public Task PublishAsync<T>(T message)
        where T : notnull => Probe.Bus.PublishAsync(message);

    /// <summary>Waits until the service has handled <paramref name="count"/> messages in all (its inbox records one per message id).</summary>
    public Task WaitUntilHandledAsync(int count) =>
        Eventually.HoldsAsync(async () => await HandledCountAsync() >= count, $"the service has handled {count} events");

    /// <summary>Messages the service's inbox has recorded: one per handled message id.</summary>
    private async Task<long> HandledCountAsync() =>
        (await QueryAsync<long>("SELECT COUNT(*) FROM caravan_inbox WHERE endpoint = 'notifications'"))[0];
}

using Caravan.Messaging;
using Caravan.Notifications;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Services.Tests.Notifications;

/// <summary>The notifications service on a fresh broker, with a probe that publishes order events to it.</summary>
internal sealed class NotificationsTestBed : IAsyncDisposable
{
    private readonly TestDirectory _directory;

    private NotificationsTestBed(TestDirectory directory, ServiceHost host, MessagingProbe probe)
    {
        _directory = directory;
        Host = host;
        Probe = probe;
    }

    public ServiceHost Host { get; }

    public MessagingProbe Probe { get; }

    public HttpClient Client => Host.Client;

    public static async Task<NotificationsTestBed> StartAsync()
    {
        var directory = new TestDirectory();

        // The service starts first: its consumer declares the subscriptions the probe's events are copied to.
        var host = await ServiceHost.StartAsync(directory.Path, builder => builder.AddNotificationsService(), app => app.MapNotificationsEndpoints());
        var probe = await MessagingProbe.StartAsync(directory.Path, "orders-probe");
        return new NotificationsTestBed(directory, host, probe);
    }

    /// <summary>Publishes an event as the orders service would, with a message id of its own.</summary>
    public Task PublishAsync<T>(T message)
        where T : notnull => Probe.Bus.PublishAsync(message);

    /// <summary>Waits until the service has handled <paramref name="count"/> messages in all (its inbox records one per message id).</summary>
    public Task WaitUntilHandledAsync(int count) =>
        Eventually.HoldsAsync(async () => await HandledCountAsync() >= count, $"the service has handled {count} events");

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await Host.Services.GetRequiredService<IServiceDatabase>().OpenConnectionAsync();
        return [.. await connection.QueryAsync<T>(sql, parameters)];
    }

    public async ValueTask DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Host.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>Messages the service's inbox has recorded: one per handled message id.</summary>
    private async Task<long> HandledCountAsync() =>
        (await QueryAsync<long>("SELECT COUNT(*) FROM caravan_inbox WHERE endpoint = 'notifications'"))[0];
}

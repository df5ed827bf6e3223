using Caravan.Messaging;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Services.Tests;

/// <summary>
/// One service on a fresh data directory with a <see cref="MessagingProbe"/> beside it on the same
/// broker: the shared part of each service's test bed (start, query its database, await replies, dispose).
/// </summary>
public abstract class ServiceTestBed : IAsyncDisposable
{
    private readonly TestDirectory _directory;

    protected ServiceTestBed(TestDirectory directory, ServiceHost host, MessagingProbe probe)
    {
        _directory = directory;
        Host = host;
        Probe = probe;
    }

    public ServiceHost Host { get; }

    public MessagingProbe Probe { get; }

    public HttpClient Client => Host.Client;

    /// <summary>Where the broker and the service's SQLite files live.</summary>
    public string DataDirectory => _directory.Path;

    /// <summary>Runs a query on the service's own database (read-only use).</summary>
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
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the directory, starts the service with <paramref name="startHost"/>, then a probe recording <paramref name="recorded"/>.</summary>
    protected static async Task<(TestDirectory Directory, ServiceHost Host, MessagingProbe Probe)> StartPartsAsync(
        Func<string, Task<ServiceHost>> startHost, string probeName, params Type[] recorded)
    {
        var directory = new TestDirectory();
        var host = await startHost(directory.Path);
        var probe = await MessagingProbe.StartAsync(directory.Path, probeName, recorded);
        return (directory, host, probe);
    }

    /// <summary>Waits until <paramref name="replies"/> holds at least <paramref name="count"/> items, and returns the last of those.</summary>
    protected static async Task<object> WaitForReplyAsync(Func<IReadOnlyList<object>> replies, int count, string about)
    {
        await Eventually.HoldsAsync(() => replies().Count >= count, $"reply {count} about {about} arrives");
        return replies()[count - 1];
    }
}

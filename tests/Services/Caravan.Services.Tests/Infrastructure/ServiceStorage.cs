using Microsoft.Extensions.Configuration;

namespace Caravan.Services.Tests;

/// <summary>
/// Where a service under test keeps its own data: SQLite files in the test's data directory (the
/// default), or a PostgreSQL database (<see cref="PostgresStorage"/>). Test classes that touch a
/// database take one of these and run once per engine, through the same service code.
/// </summary>
public abstract class ServiceStorage
{
    /// <summary>The embedded default: <c>{service}.db</c> in the data directory.</summary>
    public static ServiceStorage Sqlite { get; } = new SqliteStorage();

    /// <summary>
    /// Sets the service's configuration for this storage. Every host started on one data directory gets
    /// the same databases (two instances of a service share them); another directory gets others.
    /// </summary>
    public abstract void Configure(IConfiguration configuration, string dataDirectory);

    /// <summary>Called when a host configured for <paramref name="dataDirectory"/> has stopped; the last one's data may go.</summary>
    public virtual Task ReleaseAsync(string dataDirectory) => Task.CompletedTask;

    private sealed class SqliteStorage : ServiceStorage
    {
        public override void Configure(IConfiguration configuration, string dataDirectory)
        {
            // Caravan:Database:Provider defaults to sqlite, in the data directory ServiceHost sets.
        }
    }
}

using Caravan.Messaging.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Caravan.Messaging;

public static class PostgresMessagingBuilderExtensions
{
    /// <summary>
    /// Keeps this service's outbox, scheduled messages and inbox (and its business data) in its own
    /// PostgreSQL database: the one <paramref name="connectionString"/> names, or, when it names none,
    /// one called after the service. The database is created at start-up when missing.
    /// </summary>
    public static MessagingBuilder UsePostgresDatabase(this MessagingBuilder messaging, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(messaging);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.Database))
        {
            builder.Database = messaging.ServiceName.ToLowerInvariant();
        }

        var services = messaging.Services;
        services.RemoveAll<IServiceDatabase>();
        services.RemoveAll<IOutboxStore>();
        services.RemoveAll<IInboxStore>();
        services.AddSingleton(_ => new PostgresServiceDatabase(builder.ConnectionString));
        services.AddSingleton<IServiceDatabase>(provider => provider.GetRequiredService<PostgresServiceDatabase>());
        services.AddSingleton<IOutboxStore>(provider => new PostgresOutboxStore(provider.GetRequiredService<PostgresServiceDatabase>()));
        services.AddSingleton<IInboxStore>(provider => new PostgresInboxStore(provider.GetRequiredService<PostgresServiceDatabase>()));
        return messaging;
    }
}

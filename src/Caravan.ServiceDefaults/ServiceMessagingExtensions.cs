using Caravan.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Wires a service's messaging and database from configuration. Service code is the same in both modes;
/// configuration chooses the engines:
/// <list type="bullet">
/// <item><c>Caravan:Messaging:Transport</c> = <c>sqlite</c> (default: the embedded broker <c>broker.db</c> in
/// <c>Caravan:DataDirectory</c>) or <c>rabbitmq</c> (<c>ConnectionStrings:rabbitmq</c> is the AMQP URI,
/// <c>Caravan:Messaging:RabbitMq:*</c> binds the transport's options).</item>
/// <item><c>Caravan:Database:Provider</c> = <c>sqlite</c> (default: <c>{service}.db</c> in
/// <c>Caravan:DataDirectory</c>) or <c>postgres</c> (<c>ConnectionStrings:postgres</c> is the server; the
/// service's database is <c>Caravan:Database:NamePrefix</c>, default <c>caravan_</c>, + the service name in
/// lower case, created at start-up when missing).</item>
/// </list>
/// </summary>
public static class ServiceMessagingExtensions
{
    /// <summary>Configuration key of the directory that holds the embedded broker and the services' SQLite files.</summary>
    public const string DataDirectoryKey = "Caravan:DataDirectory";

    /// <summary>Configuration key of the message transport: <c>sqlite</c> (default) or <c>rabbitmq</c>.</summary>
    public const string TransportKey = "Caravan:Messaging:Transport";

    /// <summary>Configuration section bound to the RabbitMQ transport's options.</summary>
    public const string RabbitMqSection = "Caravan:Messaging:RabbitMq";

    /// <summary>Configuration key of the database provider: <c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public const string DatabaseProviderKey = "Caravan:Database:Provider";

    /// <summary>Configuration key of what starts each service's PostgreSQL database name (default <c>caravan_</c>).</summary>
    public const string DatabaseNamePrefixKey = "Caravan:Database:NamePrefix";

    /// <summary>Name of the connection string (<c>ConnectionStrings:rabbitmq</c>) of the RabbitMQ broker.</summary>
    public const string RabbitMqConnectionName = "rabbitmq";

    /// <summary>Name of the connection string (<c>ConnectionStrings:postgres</c>) of the PostgreSQL server.</summary>
    public const string PostgresConnectionName = "postgres";

    /// <summary>
    /// Adds Caravan messaging for <paramref name="serviceName"/> on the engines configuration chooses (see the
    /// class summary). <c>Caravan:Messaging:Consumer:*</c> binds the service's <see cref="ConsumerOptions"/>.
    /// </summary>
    public static MessagingBuilder AddServiceMessaging(this IHostApplicationBuilder builder, string serviceName, Action<MessagingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var configuration = builder.Configuration;
        var transport = Choice(configuration, TransportKey, "sqlite", "rabbitmq");
        var provider = Choice(configuration, DatabaseProviderKey, "sqlite", "postgres");
        return builder.Services.AddCaravanMessaging(serviceName, messaging =>
        {
            if (transport == "rabbitmq")
            {
                var section = configuration.GetSection(RabbitMqSection);
                messaging.UseRabbitMq(RequiredConnectionString(configuration, RabbitMqConnectionName, TransportKey, transport), section.Bind);
            }
            else
            {
                messaging.UseSqliteTransport(Path.Combine(CreateDataDirectory(configuration), "broker.db"));
            }

            if (provider == "postgres")
            {
                var server = RequiredConnectionString(configuration, PostgresConnectionName, DatabaseProviderKey, provider);
                messaging.UsePostgresDatabase(ServiceDatabase(server, configuration[DatabaseNamePrefixKey], serviceName));
            }
            else
            {
                messaging.UseSqliteDatabase(Path.Combine(CreateDataDirectory(configuration), $"{serviceName}.db"));
            }

            // Caravan:Messaging:Consumer:* (Concurrency, Prefetch, MaxBatchSize, LeaseDuration, …) tunes this service's consumer.
            var consumer = configuration.GetSection("Caravan:Messaging:Consumer");
            if (consumer.Exists())
            {
                messaging.ConfigureConsumer(consumer.Bind);
            }

            configure(messaging);
        });
    }

    public static string DataDirectory(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[DataDirectoryKey];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? Path.Combine(".caravan", "data") : configured);
    }

    /// <summary>The server's connection string naming the service's own database: the prefix + the service name in lower case.</summary>
    private static string ServiceDatabase(string server, string? prefix, string serviceName) =>
        new NpgsqlConnectionStringBuilder(server) { Database = (prefix ?? "caravan_") + serviceName.ToLowerInvariant() }.ConnectionString;

    private static string CreateDataDirectory(IConfiguration configuration)
    {
        var directory = DataDirectory(configuration);
        Directory.CreateDirectory(directory);
        return directory;
    }

    // A misspelt engine must stop the service at start-up, not quietly run it on the embedded default.
    private static string Choice(IConfiguration configuration, string key, string fallback, string alternative)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value) || string.Equals(value, fallback, StringComparison.OrdinalIgnoreCase))
        {
            return fallback;
        }

        return string.Equals(value, alternative, StringComparison.OrdinalIgnoreCase)
            ? alternative
            : throw new InvalidOperationException($"{key} is '{value}'; it must be '{fallback}' (the default) or '{alternative}'.");
    }

    private static string RequiredConnectionString(IConfiguration configuration, string name, string key, string value)
    {
        var connectionString = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException($"{key} is '{value}', but ConnectionStrings:{name} is not set.")
            : connectionString;
    }
}

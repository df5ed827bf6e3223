using Caravan.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Wires a service's messaging and database from configuration.</summary>
public static class ServiceMessagingExtensions
{
    /// <summary>Configuration key of the directory that holds the embedded broker and the services' SQLite files.</summary>
    public const string DataDirectoryKey = "Caravan:DataDirectory";

    /// <summary>
    /// Adds Caravan messaging for <paramref name="serviceName"/> on the embedded default: the shared
    /// SQLite broker <c>broker.db</c> and the service's own <c>{serviceName}.db</c>, both in
    /// <c>Caravan:DataDirectory</c> (default <c>.caravan/data</c> under the working directory).
    /// <c>Caravan:Messaging:Consumer:*</c> binds the service's <see cref="ConsumerOptions"/>.
    /// </summary>
    public static MessagingBuilder AddServiceMessaging(this IHostApplicationBuilder builder, string serviceName, Action<MessagingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var directory = DataDirectory(builder.Configuration);
        Directory.CreateDirectory(directory);
        return builder.Services.AddCaravanMessaging(serviceName, messaging =>
        {
            messaging.UseSqliteTransport(Path.Combine(directory, "broker.db"));
            messaging.UseSqliteDatabase(Path.Combine(directory, $"{serviceName}.db"));

            // Caravan:Messaging:Consumer:* (Concurrency, Prefetch, MaxBatchSize, LeaseDuration, …) tunes this service's consumer.
            var consumer = builder.Configuration.GetSection("Caravan:Messaging:Consumer");
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
}

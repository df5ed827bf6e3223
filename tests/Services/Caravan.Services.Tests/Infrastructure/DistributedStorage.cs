using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Caravan.Services.Tests;

/// <summary>
/// Distributed mode as the app host configures it: each service's data on PostgreSQL and its messages on
/// RabbitMQ (<c>Caravan:Messaging:Transport</c> = rabbitmq), with a topology prefix of the data directory's
/// own, so that the services started on one directory talk to each other and to no one else.
/// </summary>
public sealed class DistributedStorage(PostgresStorage postgres, RabbitMqServer rabbitMq) : ServiceStorage
{
    public override void Configure(IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        postgres.Configure(configuration, dataDirectory);
        configuration[ServiceMessagingExtensions.TransportKey] = "rabbitmq";
        configuration[$"ConnectionStrings:{ServiceMessagingExtensions.RabbitMqConnectionName}"] = rabbitMq.ConnectionString;
        configuration[$"{ServiceMessagingExtensions.RabbitMqSection}:TopologyPrefix"] = postgres.NamePrefix(dataDirectory).TrimEnd('_');
    }

    public override Task ReleaseAsync(string dataDirectory) => postgres.ReleaseAsync(dataDirectory);
}

namespace Caravan.AppHost.Distributed;

/// <summary>
/// Puts the services on PostgreSQL and RabbitMQ, through the configuration every service reads in
/// <c>AddServiceMessaging</c>: <c>Caravan:Database:Provider=postgres</c> with <c>ConnectionStrings:postgres</c>
/// (each service's database is <c>Caravan:Database:NamePrefix</c> + its name, created when missing), and
/// <c>Caravan:Messaging:Transport=rabbitmq</c> with <c>ConnectionStrings:rabbitmq</c>. Nothing in a service
/// changes between modes.
/// </summary>
internal static class DistributedModeExtensions
{
    /// <summary>How many instances of a service that competes for its queue run side by side.</summary>
    public const int CompetingInstances = 2;

    /// <summary>
    /// Adds the two servers as connection-string resources (the dashboard lists them) and points every one
    /// of <paramref name="services"/> at them.
    /// </summary>
    public static void RunOn(this IDistributedApplicationBuilder builder, DistributedServers servers, IEnumerable<IResourceBuilder<ProjectResource>> services)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(services);
        builder.Configuration[$"ConnectionStrings:{DistributedServers.PostgresName}"] = servers.Postgres;
        builder.Configuration[$"ConnectionStrings:{DistributedServers.RabbitMqName}"] = servers.RabbitMq;
        var postgres = builder.AddConnectionString(DistributedServers.PostgresName);
        var rabbitMq = builder.AddConnectionString(DistributedServers.RabbitMqName);
        foreach (var service in services)
        {
            service
                .WithReference(postgres)
                .WithReference(rabbitMq)
                .WithEnvironment("Caravan__Database__Provider", "postgres")
                .WithEnvironment("Caravan__Messaging__Transport", "rabbitmq");
        }
    }

    /// <summary>
    /// Runs <see cref="CompetingInstances"/> processes of the service. They share its database and its queue,
    /// so each message goes to one of them; Aspire's proxy spreads HTTP and gRPC calls over both, and the crash
    /// supervisor restarts each one on its own.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AsCompetingConsumers(this IResourceBuilder<ProjectResource> service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.ThroughProxy().WithReplicas(CompetingInstances);
    }
}

using Caravan.AppHost.Supervision;
using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost;

/// <summary>How the app host turns each Caravan project into a resource.</summary>
internal static class CaravanResources
{
    /// <summary>Health endpoint every Caravan process maps (ServiceDefaults): the process answers and its database does.</summary>
    public const string ReadinessPath = "/health/ready";

    /// <summary>Name of a service's gRPC endpoint (HTTP/2 only), as Kestrel and service discovery know it.</summary>
    public const string GrpcEndpointName = "grpc";

    /// <summary>Inventory's gRPC port on a local run (its REST port is 5103).</summary>
    public const int InventoryGrpcPort = 5113;

    /// <summary>
    /// Adds a service project: its launch profile's HTTP endpoint (a fixed port behind Aspire's proxy, or
    /// one the OS picks when <see cref="CaravanSettings.DynamicPorts"/>), the shared data directory, a
    /// readiness check, restart on crash, and every key of the app host's configuration sections
    /// <c>Caravan:{section}</c>, <c>Caravan:Messaging</c> and <c>Caravan:Database</c> (the last two shared by
    /// all services) passed on as <c>Caravan__{section}__...</c>, <c>Caravan__Messaging__...</c> and
    /// <c>Caravan__Database__...</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddCaravanService<TProject>(
        this IDistributedApplicationBuilder builder, string name, string section, CaravanSettings settings)
        where TProject : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var service = builder.AddProject<TProject>(name)
            .WithEnvironment("Caravan__DataDirectory", settings.DataDirectory)
            .WithHttpHealthCheck(ReadinessPath)
            .WithRestartOnCrash()
            .WithEndpoint("http", endpoint => ListenDirectly(endpoint, settings.DynamicPorts ? LoopbackPorts.Next() : endpoint.Port));
        return service
            .WithConfigurationSection(builder.Configuration, $"Caravan:{section}")
            .WithConfigurationSection(builder.Configuration, "Caravan:Messaging")
            .WithConfigurationSection(builder.Configuration, "Caravan:Database");
    }

    /// <summary>
    /// Adds a second, HTTP/2-only endpoint named <c>grpc</c> for a service's gRPC API (port
    /// <paramref name="port"/> on Aspire's proxy, or one the OS picks when <see cref="CaravanSettings.DynamicPorts"/>).
    /// gRPC without TLS needs an endpoint that speaks only HTTP/2, which ASPNETCORE_URLS cannot say, so
    /// the service is told its endpoints by name instead — <c>Kestrel__Endpoints__http__Url</c> and
    /// <c>Kestrel__Endpoints__grpc__Url</c> (the service makes <c>grpc</c> HTTP/2-only) — and a service
    /// that references it finds the endpoint as <c>http://_grpc.{name}</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGrpcEndpoint(this IResourceBuilder<ProjectResource> service, int port, CaravanSettings settings)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        service.WithHttpEndpoint(port: settings.DynamicPorts ? LoopbackPorts.Next() : port, name: GrpcEndpointName)
            .WithEndpoint(GrpcEndpointName, endpoint =>
            {
                endpoint.Transport = "http2";
                ListenDirectly(endpoint, endpoint.Port);
            });
        return service.WithEnvironment(context =>
        {
            // Named Kestrel endpoints replace ASPNETCORE_URLS (Kestrel would ignore it with a warning).
            context.EnvironmentVariables.Remove("ASPNETCORE_URLS");
            foreach (var endpoint in service.Resource.GetEndpoints())
            {
                context.EnvironmentVariables[$"Kestrel__Endpoints__{endpoint.EndpointName}__Url"] = ReferenceExpression.Create(
                    $"http://{endpoint.EndpointAnnotation.TargetHost}:{endpoint.Property(EndpointProperty.TargetPort)}");
            }
        });
    }

    /// <summary>
    /// The service process itself listens on the endpoint's public port (127.0.0.1:<paramref name="port"/>),
    /// with no Aspire proxy in between: a process restarted after a crash binds the same port again, so
    /// callers find it where they found the old one. (Through the proxy, a restarted process was seen to get
    /// no requests at all: the proxy accepted connections and never passed them on.) The port comes from the
    /// launch profile, or from <see cref="LoopbackPorts"/> with <see cref="CaravanSettings.DynamicPorts"/>.
    /// A service run as several instances needs the proxy back (<see cref="ThroughProxy"/>).
    /// </summary>
    private static void ListenDirectly(EndpointAnnotation endpoint, int? port)
    {
        var fixedPort = port ?? throw new InvalidOperationException($"Endpoint '{endpoint.Name}' has no port: give the launch profile an applicationUrl, or set {CaravanSettings.DynamicPortsKey}=true.");
        endpoint.IsProxied = false;
        endpoint.Port = fixedPort;
        endpoint.TargetPort = fixedPort;
        endpoint.TargetHost = "127.0.0.1";
    }

    /// <summary>
    /// Puts Aspire's proxy back in front of every endpoint of a service that runs as several instances
    /// (replicas): the proxy keeps the public port and spreads connections over the instances, each of
    /// which listens on a port of its own that the app host picks.
    /// </summary>
    public static IResourceBuilder<ProjectResource> ThroughProxy(this IResourceBuilder<ProjectResource> service)
    {
        ArgumentNullException.ThrowIfNull(service);
        foreach (var endpoint in service.Resource.Annotations.OfType<EndpointAnnotation>())
        {
            endpoint.IsProxied = true;
            endpoint.TargetPort = null;
        }

        return service;
    }

    /// <summary>Passes every value under <paramref name="section"/> to the resource as an environment
    /// variable (<c>Caravan:Payments:Latency</c> becomes <c>Caravan__Payments__Latency</c>).</summary>
    public static IResourceBuilder<T> WithConfigurationSection<T>(this IResourceBuilder<T> resource, IConfiguration configuration, string section)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
        {
            if (value is not null)
            {
                resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return resource;
    }
}

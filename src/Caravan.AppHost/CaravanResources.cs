using Caravan.AppHost.Supervision;
using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost;

/// <summary>How the app host turns each Caravan project into a resource.</summary>
internal static class CaravanResources
{
    /// <summary>Health endpoint every Caravan process maps (ServiceDefaults): the process answers and its database does.</summary>
    public const string ReadinessPath = "/health/ready";

    /// <summary>
    /// Adds a service project: its launch profile's HTTP endpoint (a fixed port behind Aspire's proxy, or
    /// one the OS picks when <see cref="CaravanSettings.DynamicPorts"/>), the shared data directory, a
    /// readiness check, restart on crash, and every key of the app host's configuration sections
    /// <c>Caravan:{section}</c> and <c>Caravan:Messaging</c> (shared by all services) passed on as
    /// <c>Caravan__{section}__...</c> and <c>Caravan__Messaging__...</c>.
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
            .WithRestartOnCrash();
        if (settings.DynamicPorts)
        {
            service.WithEndpoint("http", endpoint => endpoint.Port = null);
        }

        return service
            .WithConfigurationSection(builder.Configuration, $"Caravan:{section}")
            .WithConfigurationSection(builder.Configuration, "Caravan:Messaging");
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

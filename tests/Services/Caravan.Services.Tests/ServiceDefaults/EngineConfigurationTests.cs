using Caravan.Messaging;
using Caravan.Messaging.Postgres;
using Caravan.Messaging.RabbitMq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Caravan.Services.Tests.ServiceDefaults;

/// <summary>AddServiceMessaging picks each service's database and transport from configuration, and refuses what it does not know.</summary>
public sealed class EngineConfigurationTests
{
    [Fact]
    public void AddServiceMessaging_Postgres_UsesTheServicesOwnDatabaseNamedByPrefixAndService()
    {
        using var host = Build(new()
        {
            [ServiceMessagingExtensions.DatabaseProviderKey] = "postgres",
            ["ConnectionStrings:postgres"] = "Host=127.0.0.1;Port=55432;Username=postgres;Database=ignored",
            [ServiceMessagingExtensions.DatabaseNamePrefixKey] = "shop_",
        });

        var database = Assert.IsType<PostgresServiceDatabase>(host.Services.GetRequiredService<IServiceDatabase>());
        Assert.Equal("shop_payments", database.DatabaseName);
    }

    [Fact]
    public void AddServiceMessaging_PostgresWithoutPrefix_NamesTheDatabaseCaravanAndTheService()
    {
        using var host = Build(new()
        {
            [ServiceMessagingExtensions.DatabaseProviderKey] = "Postgres",
            ["ConnectionStrings:postgres"] = "Host=127.0.0.1;Port=55432;Username=postgres",
        });

        Assert.Equal("caravan_payments", Assert.IsType<PostgresServiceDatabase>(host.Services.GetRequiredService<IServiceDatabase>()).DatabaseName);
    }

    [Fact]
    public void AddServiceMessaging_RabbitMq_UsesTheRabbitMqTransport()
    {
        using var host = Build(new()
        {
            [ServiceMessagingExtensions.TransportKey] = "rabbitmq",
            ["ConnectionStrings:rabbitmq"] = "amqp://guest:guest@127.0.0.1:35672/",
            [$"{ServiceMessagingExtensions.RabbitMqSection}:QueueType"] = "Quorum",
        });

        Assert.IsType<RabbitMqTransport>(host.Services.GetRequiredService<IMessageTransport>());
    }

    [Theory]
    [InlineData(ServiceMessagingExtensions.DatabaseProviderKey, "mysql")]
    [InlineData(ServiceMessagingExtensions.TransportKey, "kafka")]
    public void AddServiceMessaging_UnknownEngine_RefusesToStartNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new() { [key] = value }).Dispose());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServiceMessagingExtensions.DatabaseProviderKey, "postgres", "ConnectionStrings:postgres")]
    [InlineData(ServiceMessagingExtensions.TransportKey, "rabbitmq", "ConnectionStrings:rabbitmq")]
    public void AddServiceMessaging_ServerEngineWithoutConnectionString_RefusesToStart(string key, string value, string missing)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new() { [key] = value }).Dispose());

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        using var directory = new TestDirectory();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration[ServiceMessagingExtensions.DataDirectoryKey] = directory.Path;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceMessaging("payments", _ => { });
        return builder.Build();
    }
}

using System.Data.Common;
using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost.Distributed;

/// <summary>
/// The PostgreSQL server and RabbitMQ broker distributed mode runs every service on. A connection string in
/// the app host's configuration (<c>ConnectionStrings:postgres</c>, <c>ConnectionStrings:rabbitmq</c>) names a
/// server that runs already, here or elsewhere; without one, the app host starts a local server with the
/// repository's script (<c>eng/postgres.sh start</c>, <c>eng/rabbitmq.sh start</c>: installed with apt when
/// missing, data in a temporary folder) and uses the connection string it prints. Servers it starts keep
/// running after the app host stops, as servers do; the same scripts stop them (<c>… stop</c>).
/// </summary>
internal sealed record DistributedServers(string Postgres, string RabbitMq)
{
    /// <summary>Connection-string name of the PostgreSQL server, as the services read it (<c>ConnectionStrings__postgres</c>).</summary>
    public const string PostgresName = "postgres";

    /// <summary>Connection-string name of the RabbitMQ broker (an AMQP URI), as the services read it.</summary>
    public const string RabbitMqName = "rabbitmq";

    /// <summary>Reads both connection strings from <paramref name="configuration"/>, starting a local server for each one missing.</summary>
    public static async Task<DistributedServers> ResolveAsync(IConfiguration configuration, string repositoryRoot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Side by side: the broker takes ~15 s to boot, the database a few.
        var postgres = ConfiguredOrStartedAsync(configuration, PostgresName, new EngScript(repositoryRoot, "postgres.sh"), cancellationToken);
        var rabbitMq = ConfiguredOrStartedAsync(configuration, RabbitMqName, new EngScript(repositoryRoot, "rabbitmq.sh"), cancellationToken);
        return new DistributedServers(await postgres.ConfigureAwait(false), await rabbitMq.ConfigureAwait(false));
    }

    /// <summary>Where each server is, without credentials, for the console.</summary>
    public string Describe() => $"PostgreSQL {PostgresHost(Postgres)}, RabbitMQ {RabbitMqHost(RabbitMq)}";

    private static async Task<string> ConfiguredOrStartedAsync(IConfiguration configuration, string name, EngScript script, CancellationToken cancellationToken)
    {
        if (configuration.GetConnectionString(name) is { Length: > 0 } configured)
        {
            return configured;
        }

        await Console.Out.WriteLineAsync($"Distributed mode: no ConnectionStrings:{name} given; starting a local server with eng/{script.Name} start.").ConfigureAwait(false);
        var started = await script.RunAsync("start", configuration, cancellationToken: cancellationToken).ConfigureAwait(false);
        return started.Length > 0 ? started : throw new InvalidOperationException($"eng/{script.Name} start printed no connection string.");
    }

    private static string PostgresHost(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var host = builder.TryGetValue("Host", out var h) ? h : builder.TryGetValue("Server", out var s) ? s : "?";
        return builder.TryGetValue("Port", out var port) ? $"{host}:{port}" : $"{host}";
    }

    private static string RabbitMqHost(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ? $"{parsed.Host}:{(parsed.IsDefaultPort ? 5672 : parsed.Port)}" : "?";
}

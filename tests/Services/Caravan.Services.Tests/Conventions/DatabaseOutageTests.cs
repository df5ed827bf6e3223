using System.Net;
using Caravan.Payments;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Caravan.Services.Tests.Conventions;

/// <summary>
/// A service whose PostgreSQL server is down answers 503 with Retry-After in the problem shape, not 500, and serves
/// again once the server is back. The server is a private one (eng/postgres.sh on a port of its own), really stopped.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private readonly TestDirectory _folder = new();
    private PrivatePostgres? _server;

    public async Task InitializeAsync() => _server = await PrivatePostgres.StartAsync(_folder.File("postgres"));

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task WhileTheDatabaseIsDown_RequestsGet503WithRetryAfter_AndServiceResumesAfterwards()
    {
        var dataDirectory = _folder.File("data");
        await using var host = await ServiceHost.StartAsync(
            dataDirectory, builder => builder.AddPaymentsService(), app => app.MapPaymentsEndpoints(), storage: new PrivateServer(_server!.ConnectionString));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/api/v1/payments")).StatusCode);

        await _server.StopForAWhileAsync();
        try
        {
            // The first request meets the pooled connections the server closed, later ones a refused connection: both are 503.
            for (var i = 0; i < 3; i++)
            {
                using var response = await host.Client.GetAsync("/api/v1/payments");
                await ProblemAssert.ShapeAsync(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            }
        }
        finally
        {
            await _server.StartAgainAsync();
        }

        await Eventually.HoldsAsync(
            async () => (await host.Client.GetAsync("/api/v1/payments")).StatusCode == HttpStatusCode.OK,
            "the service answers again once its server is back",
            TimeSpan.FromSeconds(30));
    }

    /// <summary>The services' PostgreSQL configuration, on the test's own server.</summary>
    private sealed class PrivateServer(string connectionString) : ServiceStorage
    {
        public override void Configure(IConfiguration configuration, string dataDirectory)
        {
            configuration[ServiceMessagingExtensions.DatabaseProviderKey] = "postgres";
            configuration[$"ConnectionStrings:{ServiceMessagingExtensions.PostgresConnectionName}"] = connectionString;
            configuration[ServiceMessagingExtensions.DatabaseNamePrefixKey] = "outage_";
        }
    }
}

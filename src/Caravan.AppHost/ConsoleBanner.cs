using Caravan.AppHost.Distributed;
using Caravan.AppHost.Supervision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Caravan.AppHost;

/// <summary>
/// Tells the person at the console where to go: the public API address and the data directory at once,
/// then, when every Caravan resource answers its readiness check, a "ready" block with the dashboard and
/// the mode (in distributed mode, which servers) too, and a line when the app host stops. Aspire logs its
/// own dashboard lines; this puts everything in one plain place.
/// </summary>
internal sealed class ConsoleBanner(
    CaravanSettings settings,
    IEnumerable<DistributedServers> servers,
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    IConfiguration configuration) : BackgroundService
{
    public const string DashboardResourceName = "aspire-dashboard";

    public static string GatewayAddress(int port) => $"http://127.0.0.1:{port}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var gateway = GatewayAddress(settings.GatewayPort);
        await Console.Out.WriteLineAsync(
            $"Caravan is starting: the API will answer at {gateway}, data in {settings.DataDirectory}.").ConfigureAwait(false);

        var caravan = model.Resources
            .Where(resource => resource.TryGetLastAnnotation<RestartOnCrashAnnotation>(out _))
            .Select(resource => resource.Name)
            .ToArray();
        try
        {
            await Task.WhenAll(caravan.Select(name => notifications.WaitForResourceHealthyAsync(name, stoppingToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var dashboard = model.Resources.Any(resource => resource.Name == DashboardResourceName)
            ? configuration["ASPNETCORE_URLS"]?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            : null;
        var mode = servers.FirstOrDefault() is { } distributed
            ? $"distributed: {distributed.Describe()}; {DistributedModeExtensions.CompetingInstances} instances each of inventory and payments"
            : "embedded: SQLite files and the SQLite broker";
        var lines = new[]
        {
            string.Empty,
            "=====================================================================",
            $"  Caravan is ready ({caravan.Length} processes: {string.Join(", ", caravan)}).",
            $"  API (gateway):   {gateway}     e.g. curl {gateway}/api/v1/products",
            $"  Dashboard:       {dashboard ?? "(disabled)"}",
            $"  Mode:            {mode}",
            $"  Data directory:  {settings.DataDirectory}",
            "  A service that dies is restarted. Press Ctrl+C to stop everything.",
            "=====================================================================",
            string.Empty,
        };
        await Console.Out.WriteLineAsync(string.Join(Environment.NewLine, lines)).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync("Caravan is stopping: every process the app host started is being stopped.").ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}

using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>
/// The whole system started for real through the app host (<c>src/Caravan.AppHost</c>): every service and
/// the gateway as separate processes, in a fresh temporary data directory, on a free gateway port, with
/// every other port dynamic (<c>Caravan:DynamicPorts=true</c>), so it can run beside a developer's
/// <c>dotnet run</c>. Dispose stops all of it and deletes the directory.
/// </summary>
/// <remarks>
/// A resource may run as several instances (replicas: distributed mode runs two each of Inventory and
/// Payments). Aspire names each instance with an id of its own (<c>payments-abcd1234</c>); the fixture
/// watches the app host's resource notifications to know them all (<see cref="InstancesOf"/>), and every
/// method that finds or kills a process takes a resource name (when it has one instance) or an instance id.
/// </remarks>
public sealed class CaravanAppHost : IAsyncDisposable
{
    public const string Gateway = "gateway";

    public static IReadOnlyList<string> Services { get; } = ["users", "orders", "inventory", "payments", "shipping", "notifications"];

    public static IReadOnlyList<string> AllResources { get; } = [.. Services, Gateway];

    /// <summary>
    /// Gateway settings for whole-system tests: rate limits far above what the tests send (they push
    /// hundreds of requests per second from one address, which the default 20/s per address would
    /// reject), and a route timeout as long as the services' own budget for a call between them (30 s,
    /// the standard resilience handler's), since a loaded test machine can make a service slower than the
    /// default 10 s. Passed before the caller's configuration, so a caller's own value for a key wins.
    /// </summary>
    public static IReadOnlyList<string> GatewayTestDefaults { get; } =
    [
        "Caravan:Gateway:Timeouts:Default=00:00:30",
        "Caravan:Gateway:RateLimiting:Anonymous:TokensPerSecond=100000",
        "Caravan:Gateway:RateLimiting:Anonymous:Burst=200000",
        "Caravan:Gateway:RateLimiting:Authenticated:TokensPerSecond=100000",
        "Caravan:Gateway:RateLimiting:Authenticated:Burst=200000",
    ];

    private readonly InstanceWatch _instances;

    private CaravanAppHost(DistributedApplication app, TestDirectory dataDirectory, int gatewayPort, CapturedLog log, InstanceWatch instances)
    {
        App = app;
        Log = log;
        DataDirectory = dataDirectory;
        GatewayPort = gatewayPort;
        _instances = instances;
    }

    public DistributedApplication App { get; }

    public TestDirectory DataDirectory { get; }

    public int GatewayPort { get; }

    /// <summary>The app host's warnings and the crash supervisor's every line (what died, what was restarted when).</summary>
    public CapturedLog Log { get; }

    public Uri GatewayAddress => new($"http://127.0.0.1:{GatewayPort}");

    /// <summary>
    /// Starts the app host and waits until every resource reports healthy (its <c>/health/ready</c> answers)
    /// and every instance of every resource runs its process.
    /// </summary>
    /// <param name="timeout">Deadline for the start as a whole.</param>
    /// <param name="configuration">Extra app host configuration, as <c>key=value</c> (e.g. <c>Caravan:Payments:Latency=00:00:01</c>);
    /// it overrides <see cref="GatewayTestDefaults"/>.</param>
    /// <param name="cancellationToken">Abandons the start.</param>
    public static async Task<CaravanAppHost> StartAsync(TimeSpan timeout, IEnumerable<string>? configuration = null, CancellationToken cancellationToken = default)
    {
        var dataDirectory = new TestDirectory("apphost");
        var gatewayPort = FreePort.Next();
        string[] args =
        [
            $"--Caravan:DataDirectory={dataDirectory.Path}",
            $"--CARAVAN_HTTP_PORT={gatewayPort}",
            "--Caravan:DynamicPorts=true",
            .. GatewayTestDefaults.Select(setting => "--" + setting),
            .. (configuration ?? []).Select(setting => "--" + setting),
        ];

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var log = new CapturedLog();
        DistributedApplication? app = null;
        InstanceWatch? instances = null;
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Caravan_AppHost>(args, deadline.Token);
            builder.Services.AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter(CapturedLog.SupervisionCategory, LogLevel.Information)
                .AddProvider(log)
                // Readiness checks fail until each process listens; the timeout message names what never became healthy.
                .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical));
            app = await builder.BuildAsync(deadline.Token);
            instances = new InstanceWatch(app.ResourceNotifications);
            await app.StartAsync(deadline.Token);
            await Task.WhenAll(AllResources.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, deadline.Token)));
            var host = new CaravanAppHost(app, dataDirectory, gatewayPort, log, instances);
            await Eventually.HoldsAsync("every instance of every resource to run its process", timeout, _ =>
                Task.FromResult(AllResources.All(name => host.InstancesOf(name).Count > 0 && host.InstancesOf(name).All(id => host.ServicePid(id) is not null))), deadline.Token);
            return host;
        }
        catch (Exception exception)
        {
            var states = app is null ? "not built" : DescribeStates(app, instances);
            var diagnosis = app is null || instances is null
                ? string.Empty
                : await new CaravanAppHost(app, dataDirectory, gatewayPort, log, instances).DiagnoseUnhealthyAsync();
            if (instances is not null)
            {
                await instances.DisposeAsync();
            }

            if (app is not null)
            {
                await app.DisposeAsync();
            }

            dataDirectory.Dispose();
            if (exception is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The app host did not become healthy within {timeout.TotalSeconds:0} s: {states}.{Environment.NewLine}{diagnosis}", exception);
            }

            if (exception is DistributedApplicationException)
            {
                // "Stopped waiting for resource 'x' to become healthy because it failed to start": its process
                // exited or never ran; what it printed says why.
                throw new InvalidOperationException($"{exception.Message} States: {states}.{Environment.NewLine}{diagnosis}", exception);
            }

            throw;
        }
    }

    public HttpClient CreateGatewayClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The ids of a resource's instances (one, or one per replica), in a stable order.</summary>
    public IReadOnlyList<string> InstancesOf(string resourceName) => _instances.Of(resourceName);

    /// <summary>Every instance of every Caravan resource (the services and the gateway).</summary>
    public IReadOnlyList<string> AllInstances => [.. AllResources.SelectMany(InstancesOf)];

    /// <summary>The latest snapshot Aspire published for a resource (a name with one instance, or an instance id): its state, environment, pid.</summary>
    public CustomResourceSnapshot Snapshot(string resource) => Current(resource).Snapshot;

    /// <summary>The pid of the service's own process (e.g. <c>Caravan.Payments</c>) while Aspire reports it running, or null.</summary>
    /// <param name="resource">A resource name with one instance, or an instance id (<see cref="InstancesOf"/>).</param>
    public int? ServicePid(string resource)
    {
        var current = Current(resource);
        return current.Snapshot.State?.Text == "Running" && ServiceProcesses.LauncherPid(current.Snapshot) is { } launcher
            ? ServiceProcesses.FindProgram(launcher, ServiceProcesses.ProgramName(current.Resource.Name))
            : null;
    }

    /// <summary>Whether Aspire reports the instance (or single-instance resource) healthy: running, and its <c>/health/ready</c> answered 200 at the last probe.</summary>
    public bool IsHealthy(string resource) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var resourceEvent)
        && resourceEvent.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy;

    /// <summary>The resource name of an instance id (or of a name).</summary>
    public string ResourceNameOf(string resource) => Current(resource).Resource.Name;

    /// <summary>Waits until the resource's process runs (and is not <paramref name="notPid"/>) and returns its pid.</summary>
    public async Task<int> WaitForServicePidAsync(string resourceName, TimeSpan timeout, int? notPid = null, CancellationToken cancellationToken = default)
    {
        var pid = await Eventually.ValueAsync<object>(
            notPid is null ? $"a running {resourceName} process" : $"a {resourceName} process other than {notPid}",
            timeout,
            _ => Task.FromResult<object?>(ServicePid(resourceName) is { } found && found != notPid ? found : null),
            cancellationToken);
        return (int)pid;
    }

    /// <summary><c>kill -9</c> of the service's own process; returns the pid it had.</summary>
    public async Task<int> KillServiceAsync(string resourceName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var pid = await WaitForServicePidAsync(resourceName, timeout, cancellationToken: cancellationToken);
        ServiceProcesses.Kill(pid);
        return pid;
    }

    /// <summary>Waits until the resource answers <c>/health/ready</c> with 200 on its own endpoint. On a timeout
    /// the exception says what the process was doing (<see cref="DiagnoseAsync"/>).</summary>
    public async Task WaitForReadyAsync(string resourceName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var client = App.CreateHttpClient(resourceName, "http");
        client.Timeout = TimeSpan.FromSeconds(5);
        try
        {
            await Eventually.HoldsAsync($"{resourceName} /health/ready to answer 200", timeout, async token =>
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), token);
                return response.IsSuccessStatusCode;
            }, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException(exception.Message + Environment.NewLine + await DiagnoseAsync(resourceName, cancellationToken), exception.InnerException);
        }
    }

    /// <summary>
    /// What a failure about one resource should show: Aspire's view of each instance (state, exit code,
    /// addresses), the service process's own view (the addresses it was told to listen on, the ports it does
    /// listen on, every loopback socket on those ports, and what its <c>/health/ready</c> answers when asked
    /// directly, past Aspire's proxy), and the last lines of its console.
    /// </summary>
    public async Task<string> DiagnoseAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var report = new System.Text.StringBuilder();
        foreach (var instance in InstancesOf(resourceName) is { Count: > 0 } ids ? ids : [resourceName])
        {
            var snapshot = Current(instance).Snapshot;
            report.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                $"{instance}: state {snapshot.State?.Text ?? "?"}, exit code {snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, health {snapshot.HealthStatus?.ToString() ?? "?"}, launcher pid {ServiceProcesses.LauncherPid(snapshot)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, urls [{string.Join(", ", snapshot.Urls.Select(url => url.Url))}]");
            if (ServicePid(instance) is { } pid)
            {
                report.AppendLine(await ServiceProcesses.DescribeAsync(pid, cancellationToken));
            }

            var logs = App.Services.GetRequiredService<ResourceLoggerService>();
            var tail = new Queue<string>();
            using var logDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            logDeadline.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await foreach (var batch in logs.GetAllAsync(instance).WithCancellation(logDeadline.Token))
                {
                    foreach (var line in batch)
                    {
                        tail.Enqueue(line.Content);
                        if (tail.Count > 40)
                        {
                            tail.Dequeue();
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (logDeadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                tail.Enqueue("(console log incomplete: reading it took over 5 s)");
            }

            report.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{instance} console, last {tail.Count} lines:");
            foreach (var line in tail)
            {
                report.Append("  ").AppendLine(line);
            }
        }

        report.AppendLine("Supervisor: " + string.Join(" | ", Log.Lines.TakeLast(20)));
        return report.ToString();
    }

    /// <summary><see cref="DiagnoseAsync"/> of every resource that is not healthy (all of them when none is).</summary>
    private async Task<string> DiagnoseUnhealthyAsync()
    {
        var unhealthy = AllResources.Where(name =>
            (InstancesOf(name) is { Count: > 0 } ids ? ids : [name]).Any(id =>
                !App.ResourceNotifications.TryGetCurrentState(id, out var resourceEvent) || resourceEvent.Snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)).ToList();
        var report = new System.Text.StringBuilder();
        foreach (var name in unhealthy.Count > 0 ? unhealthy : AllResources)
        {
            try
            {
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                report.Append(await DiagnoseAsync(name, bound.Token));
            }
            catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException)
            {
                report.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{name}: no diagnosis ({exception.Message})");
            }
        }

        return report.ToString();
    }

    /// <summary>Every instance's state and health, e.g. <c>payments-ab12cd34=Running/Healthy</c>, for a failure message.</summary>
    public string DescribeStates() => DescribeStates(App, _instances);

    public async ValueTask DisposeAsync()
    {
        await _instances.DisposeAsync();
        await App.DisposeAsync();
        DataDirectory.Dispose();
    }

    private ResourceEvent Current(string resource) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var resourceEvent)
            ? resourceEvent
            : throw new InvalidOperationException($"The app host has no resource or instance '{resource}' (a resource with several instances needs an instance id).");

    private static string DescribeStates(DistributedApplication app, InstanceWatch? instances) =>
        string.Join(", ", AllResources.SelectMany(name => instances?.Of(name) is { Count: > 0 } ids ? ids : [name]).Select(id =>
            app.ResourceNotifications.TryGetCurrentState(id, out var resourceEvent)
                ? $"{id}={resourceEvent.Snapshot.State?.Text ?? "?"}/{resourceEvent.Snapshot.HealthStatus?.ToString() ?? "?"}"
                : $"{id}=unknown"));

    /// <summary>Collects the instance ids of every resource from the app host's resource notifications.</summary>
    private sealed class InstanceWatch : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, string> _resourceByInstance = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _watching;

        public InstanceWatch(ResourceNotificationService notifications) => _watching = WatchAsync(notifications, _stop.Token);

        public IReadOnlyList<string> Of(string resourceName) =>
            [.. _resourceByInstance.Where(pair => pair.Value == resourceName).Select(pair => pair.Key).Order(StringComparer.Ordinal)];

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _watching;
            _stop.Dispose();
        }

        private async Task WatchAsync(ResourceNotificationService notifications, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var resourceEvent in notifications.WatchAsync(cancellationToken))
                {
                    _resourceByInstance[resourceEvent.ResourceId] = resourceEvent.Resource.Name;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }
}

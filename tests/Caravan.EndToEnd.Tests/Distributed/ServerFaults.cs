using System.Collections.Concurrent;
using System.Globalization;
using Caravan.AppHost.Tests.Infrastructure;
using Caravan.EndToEnd.Tests.Scenario;
using Npgsql;

namespace Caravan.EndToEnd.Tests.Distributed;

/// <summary>
/// Faults only distributed mode has, each while a fifth of the orders is being placed (and the sagas of the
/// earlier ones are under way): first none; then the broker restarts (<c>eng/rabbitmq.sh restart</c>: stop,
/// start); then PostgreSQL restarts like a crash (<c>pg_ctl restart -m immediate</c>); then a service is
/// SIGKILLed between its database commit and the broker's confirm; then none again.
/// </summary>
/// <remarks>
/// The kill between commit and confirm: the broker's VM is SIGSTOPped, so it takes nothing in and confirms
/// nothing; as soon as a service's relay holds committed outbox rows (claimed, so published or being
/// published, and not confirmed — a row is deleted only after its confirm), every process of that service
/// is SIGKILLed and the broker SIGCONTinued. The app host restarts the service; once the dead relay's claim
/// runs out, the new relay sends those rows again — some possibly for the second time, which the
/// receivers' inbox must absorb. The fault waits until the held rows have left the outbox.
/// </remarks>
public sealed class ServerFaults(CaravanAppHost system, PrivateServers servers, string databasePrefix)
{
    /// <summary>The services whose handlers or endpoints publish through an outbox.</summary>
    private static readonly string[] Relaying = ["orders", "payments", "inventory", "shipping"];

    private static readonly TimeSpan FaultDeadline = TimeSpan.FromMinutes(2);

    private readonly ConcurrentQueue<string> _timeline = new();

    /// <summary>What happened when, for the test's output.</summary>
    public IReadOnlyCollection<string> Timeline => _timeline;

    /// <summary>The service killed between commit and confirm, once it was.</summary>
    public string? KilledRelay { get; private set; }

    public async Task PlaceAsync(Shopper shopper, IReadOnlyList<PlannedOrder> plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shopper);
        ArgumentNullException.ThrowIfNull(plan);
        Func<CancellationToken, Task>?[] phases = [null, RestartBrokerAsync, RestartDatabaseAsync, KillRelayBetweenCommitAndConfirmAsync, null];
        var size = (plan.Count + phases.Length - 1) / phases.Length;
        for (var phase = 0; phase < phases.Length; phase++)
        {
            var orders = plan.Skip(phase * size).Take(size).ToList();
            Note($"placing orders {orders[0].Number}–{orders[^1].Number}");
            var fault = phases[phase]?.Invoke(cancellationToken) ?? Task.CompletedTask;
            await Task.WhenAll(shopper.PlaceAllAsync(orders, OrderScenario.Concurrency, cancellationToken), fault);
        }
    }

    /// <summary>The outbox row count of every service database, for a failure message.</summary>
    public async Task<string> DescribeOutboxesAsync(CancellationToken cancellationToken)
    {
        var counts = new List<string>();
        foreach (var service in Relaying)
        {
            var count = await Outbox.CountAsync(servers.Database(databasePrefix + service), cancellationToken);
            counts.Add($"{service}={count?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        }

        return string.Join(", ", counts);
    }

    private async Task RestartBrokerAsync(CancellationToken cancellationToken)
    {
        Note("RabbitMQ restarting (stop, start)");
        await servers.RestartRabbitMqAsync(cancellationToken);
        Note("RabbitMQ restarted");
    }

    private async Task RestartDatabaseAsync(CancellationToken cancellationToken)
    {
        Note("PostgreSQL restarting (immediate)");
        await servers.RestartPostgresImmediatelyAsync(cancellationToken);
        Note("PostgreSQL restarted");
    }

    private async Task KillRelayBetweenCommitAndConfirmAsync(CancellationToken cancellationToken)
    {
        servers.FreezeBroker();
        Note("RabbitMQ frozen (SIGSTOP)");
        HeldRows held;
        try
        {
            held = await WithOutboxStatesOnTimeoutAsync(() => Eventually.ValueAsync("a service's relay to hold committed outbox rows the frozen broker has not confirmed", FaultDeadline, async token =>
            {
                foreach (var service in Relaying)
                {
                    if (await Outbox.HeldRowsAsync(servers.Database(databasePrefix + service), token) is { Count: > 0 } ids)
                    {
                        return new HeldRows(service, ids);
                    }
                }

                return null;
            }, cancellationToken), cancellationToken);
            foreach (var instance in system.InstancesOf(held.Service))
            {
                if (system.ServicePid(instance) is { } pid)
                {
                    ServiceProcesses.Kill(pid);
                    Note($"SIGKILLed {instance}({pid}) holding {held.Ids.Count} unconfirmed outbox rows ({held.Ids[0]}–{held.Ids[^1]})");
                }
            }

            KilledRelay = held.Service;
        }
        finally
        {
            servers.ThawBroker();
            Note("RabbitMQ thawed (SIGCONT)");
        }

        var database = servers.Database(databasePrefix + held.Service);
        await Eventually.HoldsAsync($"the restarted {held.Service} to send the {held.Ids.Count} rows its killed relay held", FaultDeadline, async token =>
            (await Outbox.RemainingAsync(database, held.Ids, token)).Count == 0, cancellationToken);
        Note($"{held.Service}'s held rows sent by its restarted relay");
    }

    /// <summary>Runs a wait; should it time out, the exception also tells where every service's outbox stood.</summary>
    private async Task<T> WithOutboxStatesOnTimeoutAsync<T>(Func<Task<T>> wait, CancellationToken cancellationToken)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException timeout)
        {
            var states = new List<string>();
            foreach (var service in Relaying)
            {
                try
                {
                    states.Add($"{service}: {await Outbox.DescribeAsync(servers.Database(databasePrefix + service), cancellationToken)}");
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
                {
                    states.Add($"{service}: ({ex.GetType().Name}: {ex.Message})");
                }
            }

            throw new TimeoutException($"{timeout.Message} Outboxes at {DateTimeOffset.UtcNow:HH:mm:ss.fff}: {string.Join("; ", states)}.", timeout);
        }
    }

    private void Note(string what) => _timeline.Enqueue($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {what}");

    private sealed record HeldRows(string Service, IReadOnlyList<long> Ids);
}

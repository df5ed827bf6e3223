using Caravan.Messaging;
using Microsoft.Extensions.Options;

namespace Caravan.Payments.Provider;

/// <summary>
/// Plays the provider's bad days before a charge: waits the configured latency, then fails with the
/// configured probability. It runs before the handler writes anything, so a failed attempt leaves
/// no trace but the retry.
/// </summary>
internal sealed class ProviderFaults(
    IOptionsMonitor<PaymentProviderOptions> options, IRandomSource random, TimeProvider timeProvider, ILogger<ProviderFaults> logger)
{
    public async Task BeforeChargeAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        if (current.Latency > TimeSpan.Zero)
        {
            await Task.Delay(current.Latency, timeProvider, cancellationToken);
        }

        if (current.TransientFailureRate > 0 && random.NextDouble() < current.TransientFailureRate)
        {
            PaymentsLog.SimulatedOutage(logger, orderId);
            throw new ProviderOutageException();
        }
    }
}

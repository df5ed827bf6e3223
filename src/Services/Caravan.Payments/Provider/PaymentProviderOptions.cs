namespace Caravan.Payments.Provider;

/// <summary>
/// Faults the simulated payment provider injects, for demos and tests (configuration section
/// <c>Caravan:Payments</c>). Read through IOptionsMonitor, so a change applies to the next charge.
/// </summary>
public sealed class PaymentProviderOptions
{
    public const string SectionName = "Caravan:Payments";

    /// <summary>Probability (0 to 1) that a charge fails with a simulated provider outage before it writes anything.</summary>
    public double TransientFailureRate { get; set; }

    /// <summary>
    /// How long the provider takes to answer a charge. The wait happens inside the handler's
    /// transaction, and SQLite has one writer per file, so while it lasts no other payment is written:
    /// a demo knob, not a model of a real provider's concurrency.
    /// </summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;
}

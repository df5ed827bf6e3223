using Caravan.Messaging.Internal;

namespace Caravan.Messaging;

/// <summary>Wakes this process's outbox relay right after a transaction that wrote to the outbox committed.</summary>
public sealed class OutboxSignal
{
    private readonly AsyncSignal _signal = new();

    public void Notify() => _signal.Set();

    internal Task<bool> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        _signal.WaitAsync(timeout, timeProvider, cancellationToken);
}

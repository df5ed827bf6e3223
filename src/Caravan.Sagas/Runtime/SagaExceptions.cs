namespace Caravan.Sagas;

/// <summary>
/// Another process changed the saga since it was read. Every saga store maps its own conflict to
/// this one type, so that the messaging retry (which reloads the saga) always applies.
/// </summary>
public sealed class SagaConcurrencyException : Exception
{
    public SagaConcurrencyException(Guid sagaId, long expectedVersion)
        : base($"Saga {sagaId} was changed concurrently (expected version {expectedVersion}).")
    {
        SagaId = sagaId;
        ExpectedVersion = expectedVersion;
    }

    public SagaConcurrencyException()
    {
    }

    public SagaConcurrencyException(string message)
        : base(message)
    {
    }

    public SagaConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Guid SagaId { get; }

    public long ExpectedVersion { get; }
}

/// <summary>An operator action does not apply to the saga in its current state (for example retrying one that is not stuck).</summary>
public sealed class SagaStateException : Exception
{
    public SagaStateException(string message)
        : base(message)
    {
    }

    public SagaStateException()
    {
    }

    public SagaStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

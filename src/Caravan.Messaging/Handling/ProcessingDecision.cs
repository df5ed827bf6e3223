namespace Caravan.Messaging.Internal;

/// <summary>What the consumer does with a leased message after trying to handle it.</summary>
internal readonly record struct ProcessingDecision(ProcessingOutcome Outcome, TimeSpan Delay = default, FailureInfo? Failure = null)
{
    public static ProcessingDecision Complete { get; } = new(ProcessingOutcome.Complete);

    public static ProcessingDecision Release { get; } = new(ProcessingOutcome.Release);

    public static ProcessingDecision Unavailable { get; } = new(ProcessingOutcome.Unavailable);

    public static ProcessingDecision RetryLater(TimeSpan delay) => new(ProcessingOutcome.RetryLater, delay);

    public static ProcessingDecision DeadLetter(FailureInfo failure) => new(ProcessingOutcome.DeadLetter, Failure: failure);
}

internal enum ProcessingOutcome
{
    /// <summary>Handled (or a recognised duplicate): remove from the queue.</summary>
    Complete,

    /// <summary>Failed: count the failure and redeliver after the delay.</summary>
    RetryLater,

    /// <summary>Failed for good: move to the dead-letter queue.</summary>
    DeadLetter,

    /// <summary>Not handled because the consumer is stopping: give back at once.</summary>
    Release,

    /// <summary>Not handled because the service's database could not be reached: give back without counting an attempt, and pause the queue's consumer.</summary>
    Unavailable,
}

namespace Caravan.Messaging;

/// <summary>A dead-lettered message with the reason it failed; replaying puts it back on its queue.</summary>
public sealed record DeadLetter(
    long Id,
    string Queue,
    Envelope Envelope,
    FailureInfo Failure,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset DeadLetteredAt);

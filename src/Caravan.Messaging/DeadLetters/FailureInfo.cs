namespace Caravan.Messaging;

/// <summary>Why a message was dead-lettered.</summary>
public sealed record FailureInfo(
    DeadLetterReason Reason,
    string? ExceptionType,
    string Message,
    string? StackTrace,
    int Attempts)
{
    public static FailureInfo FromException(DeadLetterReason reason, Exception exception, int attempts)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(reason, exception.GetType().FullName, exception.Message, exception.ToString(), attempts);
    }
}

public enum DeadLetterReason
{
    /// <summary>Every immediate and delayed retry failed.</summary>
    RetriesExhausted = 0,

    /// <summary>The body could not be deserialized into the registered type.</summary>
    DeserializationFailed = 1,

    /// <summary>No message type is registered under the envelope's wire name.</summary>
    UnknownMessageType = 2,

    /// <summary>The handler threw a <see cref="PermanentMessageException"/> (for example a validation error).</summary>
    PermanentFailure = 3,

    /// <summary>The receiving service has no handler for the message type.</summary>
    NoHandler = 4,

    /// <summary>The message was leased too many times without being completed: consumers died while handling it.</summary>
    TooManyDeliveries = 5,
}

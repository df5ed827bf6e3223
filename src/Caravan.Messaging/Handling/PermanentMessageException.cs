namespace Caravan.Messaging;

/// <summary>
/// Thrown by a handler for a failure that no retry can fix (invalid content, a rule the message
/// breaks): the message goes straight to the dead-letter queue.
/// </summary>
public class PermanentMessageException : Exception
{
    public PermanentMessageException()
    {
    }

    public PermanentMessageException(string message)
        : base(message)
    {
    }

    public PermanentMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

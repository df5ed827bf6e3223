namespace Caravan.Messaging;

/// <summary>
/// The four priority levels of the guide's message queue. On one queue a ready message of a
/// higher priority is delivered before any ready message of a lower one; equal priorities keep
/// enqueue order.
/// </summary>
public enum MessagePriority
{
    Low = 1,
    Normal = 2,
    High = 3,
    Critical = 4,
}

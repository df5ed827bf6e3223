namespace Caravan.Messaging;

/// <summary>
/// GUID v7 ids whose timestamp comes from the injected <see cref="TimeProvider"/>, so ids sort by
/// creation time (to the millisecond) and a fake clock produces ids consistent with it.
/// </summary>
public sealed class Version7MessageIdGenerator(TimeProvider timeProvider) : IMessageIdGenerator
{
    public Guid NewId() => Guid.CreateVersion7(timeProvider.GetUtcNow());
}

namespace Caravan.Messaging;

/// <summary>
/// Creates message ids. Injected so that a deterministic simulator can replace it.
/// </summary>
public interface IMessageIdGenerator
{
    Guid NewId();
}

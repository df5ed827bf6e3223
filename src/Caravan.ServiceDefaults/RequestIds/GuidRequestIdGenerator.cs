namespace Caravan.ServiceDefaults.RequestIds;

/// <summary>
/// The default generator: a version 7 GUID (time-ordered, so ids sort roughly by arrival), its time
/// taken from the injected clock.
/// </summary>
internal sealed class GuidRequestIdGenerator(TimeProvider time) : IRequestIdGenerator
{
    public string NewId() => Guid.CreateVersion7(time.GetUtcNow()).ToString("D");
}

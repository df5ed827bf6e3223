namespace Caravan.Messaging;

/// <summary>
/// Randomness used by the messaging layer (retry jitter, lease tokens). Injected so that a
/// deterministic simulator can seed it.
/// </summary>
public interface IRandomSource
{
    /// <summary>A value in [0, 1).</summary>
    double NextDouble();

    long NextInt64();
}

/// <summary>The default, thread-safe source backed by <see cref="Random.Shared"/>.</summary>
public sealed class SharedRandomSource : IRandomSource
{
    public double NextDouble() => Random.Shared.NextDouble();

    public long NextInt64() => Random.Shared.NextInt64();
}

namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>
/// Loopback TCP ports that nobody listens on right now, below the kernel's ephemeral range: the app host's
/// own choice (<see cref="LoopbackPorts"/>), which explains why a port for a process that may be killed and
/// restarted must come from there.
/// </summary>
public static class FreePort
{
    public static int Next() => LoopbackPorts.Next();

    /// <summary>The first of <paramref name="size"/> consecutive free ports (a server that also listens on port + 1, + 2, …).</summary>
    public static int NextBlock(int size) => LoopbackPorts.NextBlock(size);
}

using Caravan.AppHost;

namespace Caravan.Testing;

/// <summary>
/// Runs of loopback ports nobody listens on now, below Linux's ephemeral range (32768 and up), reserved
/// machine-wide for as long as this process lives: the app host's own choice (<c>LoopbackPorts</c>, compiled
/// in here from <c>src/Caravan.AppHost</c>), so a private server started by one test process and the app
/// host's services started by another never get the same port, even while one of them restarts.
/// </summary>
public static class FreePorts
{
    /// <summary>The first of <paramref name="size"/> consecutive free ports (for a server that also listens on port + 1, + 2, …).</summary>
    public static int Block(int size) => LoopbackPorts.NextBlock(size);
}

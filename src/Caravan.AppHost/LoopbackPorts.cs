using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Caravan.AppHost;

/// <summary>
/// Loopback TCP ports that nobody listens on right now, chosen below the kernel's ephemeral range, and
/// never the same port twice from one process.
/// </summary>
/// <remarks>
/// A port given to a process that may die and be started again (every service, with restart on crash) must
/// still be free when the new process binds it. A port from the ephemeral range is not: while the old
/// process is dead, any outgoing connection on the machine may get that port as its local port, and a
/// listener cannot bind a port a connected socket holds (EADDRINUSE) for as long as that connection lives.
/// Below the range the kernel never hands ports out by itself, so only another listener can take one.
/// </remarks>
internal static class LoopbackPorts
{
    private const int Lowest = 20000;

    private static readonly HashSet<int> s_handedOut = [];

    public static int Next() => NextBlock(1);

    /// <summary>The first of <paramref name="size"/> consecutive free ports (a server that also listens on port + 1, + 2, …).</summary>
    public static int NextBlock(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var ceiling = EphemeralRangeStart() - size;
        lock (s_handedOut)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(Lowest, ceiling);
                var block = Enumerable.Range(port, size).ToList();
                if (!block.Any(s_handedOut.Contains) && block.All(IsFree))
                {
                    s_handedOut.UnionWith(block);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No {size} free loopback ports in a row found between {Lowest} and {ceiling}.");
    }

    private static bool IsFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>The first port of <c>net.ipv4.ip_local_port_range</c> (32768 when it cannot be read).</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            var start = int.Parse(first, CultureInfo.InvariantCulture);
            return start > Lowest + 1000 ? start : 32768;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}

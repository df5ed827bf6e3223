using System.Net;
using System.Net.Sockets;

namespace Caravan.Testing;

/// <summary>
/// Runs of loopback ports nobody listens on now, below Linux's ephemeral range (32768 and up), so that no outgoing
/// connection takes one between this check and a server's start, or while that server restarts.
/// </summary>
public static class FreePorts
{
    private const int Lowest = 20_000;
    private const int Ceiling = 32_000;

    /// <summary>The first of <paramref name="size"/> consecutive free ports (for a server that also listens on port + 1, + 2, …).</summary>
    public static int Block(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(Lowest, Ceiling - size);
            if (Enumerable.Range(first, size).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"No {size} free loopback ports in a row found between {Lowest} and {Ceiling}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

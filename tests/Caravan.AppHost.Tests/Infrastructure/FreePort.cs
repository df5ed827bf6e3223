using System.Net;
using System.Net.Sockets;

namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>Loopback TCP ports nobody listens on right now (the OS picks them from its ephemeral range).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

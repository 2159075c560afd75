using System.Net;
using System.Net.Sockets;

namespace Flamewatch.TestKit.Processes;

/// <summary>Loopback addresses for child processes that must be told their port before they start.</summary>
public static class Loopback
{
    /// <summary>A 127.0.0.1 port nothing listens on (bound, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

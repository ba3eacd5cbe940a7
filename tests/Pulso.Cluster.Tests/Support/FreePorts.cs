using System.Net;
using System.Net.Sockets;

namespace Pulso.Cluster.Tests.Support;

/// <summary>Loopback ports nobody listens on, so that test classes running in parallel never collide.</summary>
internal static class FreePorts
{
    public static int[] Take(int count)
    {
        // Hold every listener until all ports are known, so the same port cannot come back twice.
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>Loopback ports nobody listens on now, so that a deployment never collides with a server already running here (e.g. one on 8000).</summary>
public static class FreePorts
{
    public static int[] Take(int count)
    {
        // Hold every listener until all are chosen, so that the same port is not handed out twice.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>
/// Checks that the ports a silo will listen on are free before anything starts: loading a model takes seconds to
/// minutes, and a port conflict found after it is a long wait for one line of error.
/// </summary>
internal static class PortCheck
{
    /// <summary>Throws with the option's name when <paramref name="port"/> cannot be bound on <paramref name="address"/>.</summary>
    public static void EnsureFree(IPAddress address, int port, string option)
    {
        if (port == 0) return; // any free port, chosen when it binds
        if (port is < 0 or > 65535) throw new ArgumentException($"{option} {port} is not a port (1-65535, or 0 where any free port will do)");
        var probe = new TcpListener(address, port);
        try
        {
            probe.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new ArgumentException($"{option} {port}: {address}:{port} is already in use (another dynamo, or another server): choose another port or stop that process");
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"{option} {port}: cannot listen on {address}:{port} ({e.Message})");
        }
        finally
        {
            probe.Stop();
        }
    }
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Dynamo.Orleans.Silo.Clustering;

/// <summary>
/// The address other silos, clients and the KV data plane use to reach this process (<c>--advertise-address</c>). Within
/// one machine that is loopback; across hosts it must be one the others can route to.
/// </summary>
public static class AdvertiseAddress
{
    /// <param name="text">The configured address, or null for the default.</param>
    /// <param name="interfaces">The host's network interfaces (a parameter so that tests can give their own).</param>
    public static IPAddress Resolve(string? text, Membership membership, IEnumerable<NetworkInterface>? interfaces = null)
    {
        if (text is { Length: > 0 })
        {
            if (!IPAddress.TryParse(text, out var address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
                throw new ArgumentException($"--advertise-address '{text}' is not an IP address peers can connect to");
            if (membership is Membership.Localhost && !IPAddress.IsLoopback(address))
                throw new ArgumentException($"--advertise-address {text} is not loopback, but --clustering localhost keeps the cluster on this machine: use --clustering redis://HOST:PORT to span hosts");
            return address;
        }
        if (membership is Membership.Localhost) return IPAddress.Loopback;
        return FirstRoutableIPv4(interfaces ?? NetworkInterface.GetAllNetworkInterfaces())
               ?? throw new ArgumentException("--clustering redis needs an address other hosts can reach, and this host has no non-loopback IPv4 address: pass --advertise-address");
    }

    /// <summary>The first IPv4 address of an interface that is not down, not loopback and not link-local (169.254/16).</summary>
    public static IPAddress? FirstRoutableIPv4(IEnumerable<NetworkInterface> interfaces) =>
        interfaces
            // Virtual links (veth, some bridges) report Unknown rather than Up while they carry traffic.
            .Where(i => i.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(a => a.Address))
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)
                                 && !(a.GetAddressBytes() is [169, 254, ..]));
}

using System.Net;
using System.Net.Sockets;

namespace Dynamo.Orleans.Grains;

/// <summary>The one reader of "host:port" text (command-line options, the data-plane address a handle carries).</summary>
public static class NetworkEndpoint
{
    /// <summary>An <see cref="IPEndPoint"/> when the host is an address, else a <see cref="DnsEndPoint"/> resolved on connect.</summary>
    /// <param name="what">What the text is, for the error message (e.g. "--primary").</param>
    /// <exception cref="ArgumentException">The text is not host:port with a port in 1..65535.</exception>
    public static EndPoint Parse(string text, string what)
    {
        if (IPEndPoint.TryParse(text, out var ip) && ip.Port != 0) return ip;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port is < 1 or > IPEndPoint.MaxPort)
            throw new ArgumentException($"{what} '{text}' is not host:port");
        return new DnsEndPoint(text[..colon], port);
    }

    /// <summary>As <see cref="Parse"/>, with a host name resolved now to its first IPv4 address (Orleans wants addresses).</summary>
    public static IPEndPoint ParseIPv4(string text, string what) => Parse(text, what) switch
    {
        IPEndPoint ip => ip,
        DnsEndPoint dns => new IPEndPoint(
            Dns.GetHostAddresses(dns.Host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new ArgumentException($"{what}: cannot resolve '{dns.Host}' to an IPv4 address"), dns.Port),
        var other => throw new ArgumentException($"{what} '{text}' is a {other.GetType().Name}, not host:port"),
    };
}

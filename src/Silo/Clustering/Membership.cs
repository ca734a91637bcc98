namespace Dynamo.Orleans.Silo.Clustering;

/// <summary>Where the cluster keeps its membership: what <c>--clustering</c> names.</summary>
public abstract record Membership
{
    /// <summary>
    /// Orleans' development clustering over loopback: every silo on this machine, one of them the primary the others
    /// join. Needs no infrastructure; the default.
    /// </summary>
    public sealed record Localhost : Membership
    {
        public override string ToString() => "localhost";
    }

    /// <summary>A Redis server holds the membership table: no silo is special, silos and gateways may run on any host.</summary>
    public sealed record Redis(string Host, int Port, int Database) : Membership
    {
        /// <summary>StackExchange.Redis configuration text. abortConnect=false: a silo started before Redis keeps retrying.</summary>
        public string ConfigurationString => $"{Endpoint},defaultDatabase={Database},abortConnect=false";

        /// <summary>host:port, with an IPv6 address in brackets.</summary>
        public string Endpoint => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

        public override string ToString() => $"redis://{Endpoint}/{Database}";
    }

    /// <summary>Reads <c>localhost</c> or <c>redis://HOST:PORT[/DB]</c>.</summary>
    /// <exception cref="ArgumentException">Anything else, naming what is accepted.</exception>
    public static Membership Parse(string text)
    {
        const string Accepted = "expected localhost or redis://HOST:PORT[/DB]";
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase)) return new Localhost();
        if (!text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || string.IsNullOrEmpty(uri.Host) || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            throw new ArgumentException($"--clustering '{text}' is not valid: {Accepted}");
        if (uri.IsDefaultPort || uri.Port is < 1 or > 65535)
            throw new ArgumentException($"--clustering '{text}' has no port: {Accepted} (Redis listens on 6379 by default)");
        var path = uri.AbsolutePath.Trim('/');
        int database = 0;
        if (path.Length > 0 && (!int.TryParse(path, out database) || database < 0))
            throw new ArgumentException($"--clustering '{text}': the database '{path}' is not a number ≥ 0: {Accepted}");
        return new Redis(uri.IdnHost.Trim('[', ']'), uri.Port, database);
    }
}

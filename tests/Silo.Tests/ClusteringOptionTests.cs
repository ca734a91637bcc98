using System.Net;
using System.Net.NetworkInformation;
using Dynamo.Orleans.Silo.Clustering;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary><c>--clustering</c> and <c>--advertise-address</c> as <c>dynamo serve</c> reads them.</summary>
public sealed class ClusteringOptionTests
{
    [Theory]
    [InlineData("localhost")]
    [InlineData("LocalHost")]
    public void Localhost_is_the_development_clustering(string text) => Assert.IsType<Membership.Localhost>(Membership.Parse(text));

    [Theory]
    [InlineData("redis://10.0.0.5:6379", "10.0.0.5", 6379, 0)]
    [InlineData("redis://redis.internal:7000/3", "redis.internal", 7000, 3)]
    [InlineData("redis://[fd00::1]:6379/1", "fd00::1", 6379, 1)]
    public void Redis_names_host_port_and_database(string text, string host, int port, int database)
    {
        var redis = Assert.IsType<Membership.Redis>(Membership.Parse(text));
        Assert.Equal((host, port, database), (redis.Host, redis.Port, redis.Database));
        var endpoint = host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
        Assert.StartsWith($"{endpoint},defaultDatabase={database},", redis.ConfigurationString);
        Assert.Equal($"redis://{endpoint}/{database}", redis.ToString());
    }

    [Theory]
    [InlineData("consul://x:1", "is not valid")]
    [InlineData("redis://10.0.0.5", "has no port")]
    [InlineData("redis://10.0.0.5:6379/x", "is not a number")]
    [InlineData("redis://user:secret@10.0.0.5:6379", "is not valid")]
    [InlineData("", "is not valid")]
    public void Anything_else_is_one_clear_error(string text, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Membership.Parse(text));
        Assert.Contains(message, error.Message);
        Assert.Contains("localhost or redis://HOST:PORT[/DB]", error.Message);
    }

    [Fact]
    public void Localhost_clustering_advertises_loopback_and_refuses_another_address()
    {
        Assert.Equal(IPAddress.Loopback, AdvertiseAddress.Resolve(null, new Membership.Localhost()));
        Assert.Equal(IPAddress.Loopback, AdvertiseAddress.Resolve("127.0.0.1", new Membership.Localhost()));
        var error = Assert.Throws<ArgumentException>(() => AdvertiseAddress.Resolve("198.18.0.7", new Membership.Localhost()));
        Assert.Contains("--clustering redis", error.Message);
    }

    [Fact]
    public void Redis_clustering_advertises_the_given_address_or_a_routable_one()
    {
        var redis = new Membership.Redis("198.18.0.1", 6379, 0);
        Assert.Equal(IPAddress.Parse("198.18.0.7"), AdvertiseAddress.Resolve("198.18.0.7", redis));
        Assert.Throws<ArgumentException>(() => AdvertiseAddress.Resolve("0.0.0.0", redis));
        Assert.Throws<ArgumentException>(() => AdvertiseAddress.Resolve("not-an-address", redis));

        // The default is this host's first non-loopback IPv4, and none is one clear error.
        var expected = AdvertiseAddress.FirstRoutableIPv4(NetworkInterface.GetAllNetworkInterfaces());
        if (expected is not null) Assert.Equal(expected, AdvertiseAddress.Resolve(null, redis));
        var none = Assert.Throws<ArgumentException>(() => AdvertiseAddress.Resolve(null, redis, interfaces: []));
        Assert.Contains("no non-loopback IPv4 address: pass --advertise-address", none.Message);
    }

    [Fact]
    public async Task Primary_with_Redis_and_a_bad_clustering_value_are_one_error_line_before_any_model_loads()
    {
        var root = Path.Combine(Path.GetTempPath(), "dynamo-clustering-" + Guid.NewGuid().ToString("N"));
        var primary = await DynamoProcess.RunAsync(root, "serve", "--clustering", "redis://127.0.0.1:1", "--primary", "127.0.0.1:11111", "--model", "/nonexistent");
        Assert.Equal(1, primary.ExitCode);
        Assert.Equal("dynamo: error: --primary has no meaning with --clustering redis: every silo registers in Redis and none is primary", primary.Stderr.Trim());
        var bad = await DynamoProcess.RunAsync(root, "serve", "--clustering", "zookeeper://h:1");
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("dynamo: error: --clustering 'zookeeper://h:1' is not valid", bad.Stderr.Trim());
        Assert.False(Directory.Exists(root), "nothing was generated or loaded");
    }
}

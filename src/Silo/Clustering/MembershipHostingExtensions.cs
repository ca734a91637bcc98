using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Dynamo.Orleans.Silo.Clustering;

/// <summary>How a silo and a client join the cluster that <see cref="Membership"/> names.</summary>
public static class MembershipHostingExtensions
{
    public const string ServiceId = "dynamo";

    /// <param name="primary">Localhost only: the silo to join; null on the primary itself.</param>
    public static ISiloBuilder UseDynamoMembership(this ISiloBuilder silo, Membership membership, string clusterId, IPAddress advertise,
                                                   int siloPort, int gatewayPort, IPEndPoint? primary)
    {
        switch (membership)
        {
            case Membership.Localhost:
                silo.UseLocalhostClustering(siloPort, gatewayPort, primary, ServiceId, clusterId);
                break;
            case Membership.Redis redis:
                if (primary is not null) throw new ArgumentException("--primary has no meaning with --clustering redis: every silo registers in Redis and none is primary");
                silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis.ConfigurationString));
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
                silo.Configure<EndpointOptions>(o =>
                {
                    o.AdvertisedIPAddress = advertise;
                    o.SiloPort = siloPort;
                    o.GatewayPort = gatewayPort;
                });
                silo.Configure<ClusterMembershipOptions>(ServingFailureDetection.Apply);
                // Orleans' default directory loses the entries a dead silo owned, and a later call may then activate a
                // second copy of a live sequence grain (its stream's enumerator unknown there). The distributed directory
                // recovers those entries from the surviving activations when membership changes.
#pragma warning disable ORLEANSEXP003 // experimental in Orleans 10: the alternative is duplicate sequence grains after a silo dies
                silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(membership), membership, null);
        }
        return silo;
    }

    /// <param name="localGatewayPorts">Localhost only, without <paramref name="gateway"/>: the client gateway ports of silos on this machine.</param>
    /// <param name="gateway">Localhost only: one silo's client gateway endpoint.</param>
    public static IClientBuilder UseDynamoMembership(this IClientBuilder client, Membership membership, string clusterId,
                                                     IReadOnlyList<int> localGatewayPorts, IPEndPoint? gateway)
    {
        switch (membership)
        {
            case Membership.Localhost when gateway is not null:
                client.UseStaticClustering(gateway);
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
                break;
            case Membership.Localhost:
                client.UseLocalhostClustering(localGatewayPorts.ToArray(), ServiceId, clusterId);
                break;
            case Membership.Redis redis:
                if (gateway is not null) throw new ArgumentException("--primary has no meaning with --clustering redis: the gateway finds the silos in Redis");
                client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis.ConfigurationString));
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
                // A dead silo's gateway leaves the client's list at the next refresh (Orleans' default waits a minute).
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = ServingFailureDetection.GatewayListRefreshPeriod);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(membership), membership, null);
        }
        return client;
    }
}

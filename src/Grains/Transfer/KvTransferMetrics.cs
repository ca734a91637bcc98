using System.Diagnostics.Metrics;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>KV transfer instruments, named as DESIGN's metrics are (<c>&lt;component&gt;_&lt;what&gt;_&lt;unit&gt;</c>).</summary>
public static class KvTransferMetrics
{
    public const string MeterName = "Dynamo.Orleans.KvTransfer";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Bytes a TCP pull has received, added per chunk so a long pull shows progress.</summary>
    internal static readonly Counter<long> TcpReceivedBytes = Meter.CreateCounter<long>("kv_transfer_tcp_received_bytes", "By");

    /// <summary>Bytes the data plane has sent, added per chunk.</summary>
    internal static readonly Counter<long> DataPlaneSentBytes = Meter.CreateCounter<long>("kv_transfer_data_plane_sent_bytes", "By");
}

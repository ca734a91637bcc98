using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>The stream a sequence's KV page handles travel on: namespace "kv-pages", key the sequence id.</summary>
public static class KvStreams
{
    public const string Namespace = "kv-pages";

    public static StreamId For(string sequenceId) => StreamId.Create(Namespace, sequenceId);
}

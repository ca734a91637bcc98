namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>Whose pages a producer offers: copied into every handle so the consumer can match them to its handoff.</summary>
/// <param name="WorkerId">The producing prefill worker's key: the consumer releases leases through it.</param>
/// <param name="LayerGroups">How many layer groups the sequence's KV is cut into: the consumer knows when it has them all.</param>
public sealed record KvPageOffer(string SequenceId, int Epoch, string WorkerId, int LayerGroups);

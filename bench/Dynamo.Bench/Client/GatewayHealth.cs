namespace Dynamo.Orleans.Bench.Client;

/// <summary>What <c>/health</c> said: whether the gateway can serve, and how many workers of each pool it sees.</summary>
public sealed record GatewayHealth(bool Healthy, int PrefillWorkers, int DecodeWorkers);

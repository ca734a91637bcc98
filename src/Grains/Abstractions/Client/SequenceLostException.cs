namespace Dynamo.Orleans.Client;

/// <summary>
/// The silo that owned a running request (its sequence grain) died, after some of the output reached the caller: the
/// rest cannot come. Send the request again; the workers have cancelled the lost one and freed its KV.
/// </summary>
public sealed class SequenceLostException(string requestId)
    : OrleansException($"request '{requestId}' was lost: the silo that owned it died mid-generation; send the request again")
{
    public string RequestId { get; } = requestId;
}

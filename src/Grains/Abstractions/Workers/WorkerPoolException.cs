namespace Dynamo.Orleans.Workers;

/// <summary>No worker of the needed pool can take the work (the pool is empty or the named silo left it).</summary>
[GenerateSerializer]
public sealed class WorkerPoolException : Exception
{
    public WorkerPoolException(string message) : base(message) { }
}

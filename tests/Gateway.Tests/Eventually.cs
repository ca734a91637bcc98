namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>Polls a condition that another component makes true asynchronously (a cancelled sequence freeing its KV).</summary>
internal static class Eventually
{
    public static async Task True(Func<Task<bool>> condition, string what, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }
}

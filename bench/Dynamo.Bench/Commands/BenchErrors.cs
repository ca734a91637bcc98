namespace Dynamo.Orleans.Bench.Commands;

/// <summary>Exit codes: 0 all requests complete, 1 a setup error (one line on stderr, no stack trace), 2 requests lost, 130 cancelled.</summary>
internal static class BenchErrors
{
    public static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("dynamo-bench: cancelled");
            return 130;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or HttpRequestException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"dynamo-bench: error: {e.Message}");
            return 1;
        }
    }

    public static int LostRequests(int count)
    {
        Console.Error.WriteLine($"dynamo-bench: FAILED: {count} request(s) errored or did not return the expected number of tokens");
        return 2;
    }
}

using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Templates;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>Turns the errors a user can cause (bad files, bad values) into one line on stderr and exit code 1, not a stack trace.</summary>
internal static class CommandErrors
{
    public static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("dynamo: cancelled");
            return 130;
        }
        catch (Exception e) when (e is CheckpointException or TokenizerException or ChatTemplateException or ArgumentException
                                       or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"dynamo: error: {e.Message}");
            return 1;
        }
    }
}

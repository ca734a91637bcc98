namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// A tokenizer file that is missing, unreadable, or asks for something this loader does not implement.
/// The message always starts with the file, so an operator can tell which of a model folder's files is at fault.
/// </summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
    }

    public string File { get; }
}

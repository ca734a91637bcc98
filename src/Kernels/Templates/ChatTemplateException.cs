namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// A template that cannot be parsed or rendered. Syntax errors carry the line and column (1-based) in the message
/// and in <see cref="Line"/>/<see cref="Column"/>; a template's own <c>raise_exception(msg)</c> carries exactly
/// <c>msg</c> as the message, so a gateway can hand it to the client unchanged.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    public ChatTemplateException(string message, int? line = null, int? column = null, Exception? inner = null)
        : base(line is null ? message : column is null ? $"line {line}: {message}" : $"line {line}, column {column}: {message}", inner)
    {
        Line = line;
        Column = column;
    }

    public int? Line { get; }
    public int? Column { get; }

    /// <summary>True when the template itself called <c>raise_exception</c>: the caller's input was rejected, not the template.</summary>
    public bool RaisedByTemplate { get; init; }
}

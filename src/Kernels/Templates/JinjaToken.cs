namespace Dynamo.Orleans.Kernels.Templates;

internal enum JinjaTokenKind
{
    Text,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

/// <summary>One lexed token; <see cref="Line"/> and <see cref="Column"/> are 1-based positions in the template source.</summary>
internal sealed record JinjaToken(JinjaTokenKind Kind, string Value, int Line, int Column)
{
    public bool Is(JinjaTokenKind kind, string value) => Kind == kind && Value == value;

    public string Describe() => Kind switch
    {
        JinjaTokenKind.End => "end of template",
        JinjaTokenKind.Text => "template text",
        JinjaTokenKind.VariableEnd => "'}}'",
        JinjaTokenKind.BlockEnd => "'%}'",
        JinjaTokenKind.VariableBegin => "'{{'",
        JinjaTokenKind.BlockBegin => "'{%'",
        JinjaTokenKind.String => "a string",
        _ => $"'{Value}'",
    };
}

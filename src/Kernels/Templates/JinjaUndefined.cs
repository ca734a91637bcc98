namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// jinja2's default <c>Undefined</c>: renders as empty, is falsy, iterates as empty and has length 0, but fails on
/// attribute access, calls and arithmetic. Templates rely on this (<c>tools is defined</c>, <c>message.tool_calls</c>
/// on a message without them), so it is a value of its own rather than null, which is Python's <c>None</c>.
/// </summary>
internal sealed class JinjaUndefined
{
    public JinjaUndefined(string name) => Name = name;

    /// <summary>What was looked up, for the error message when the value is then used.</summary>
    public string Name { get; }

    public ChatTemplateException Fail(string what) => new($"'{Name}' is undefined ({what})");

    public override string ToString() => "";
}

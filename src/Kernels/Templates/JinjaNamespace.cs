namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// The object made by <c>namespace(...)</c>. jinja2 scopes <c>set</c> to the loop body, so templates carry state out of
/// a loop through <c>{% set ns.attr = ... %}</c>; this is the one mutable value a template can create.
/// </summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public override string ToString() => "<Namespace>";
}

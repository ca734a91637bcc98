namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>The <c>loop</c> variable inside <c>{% for %}</c>, with jinja2's attribute names.</summary>
internal sealed class JinjaLoop(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Attribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new JinjaUndefined("loop.previtem"),
        "nextitem" => Index0 + 1 < items.Count ? items[Index0 + 1] : new JinjaUndefined("loop.nextitem"),
        "cycle" => new JinjaCallable("loop.cycle", args =>
            args.Positional.Count == 0 ? throw new ChatTemplateException("loop.cycle() needs at least one value")
                                       : args.Positional[Index0 % args.Positional.Count]),
        _ => new JinjaUndefined("loop." + name),
    };

    public override string ToString() => "<LoopContext>";
}

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// Variable bindings. jinja2 gives each loop iteration and each macro call its own scope, so a <c>set</c> inside a
/// loop is gone after it (which is why templates use <c>namespace</c>); <c>if</c> blocks share their parent's scope.
/// </summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly JinjaScope? _parent = parent;
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public object? Lookup(string name)
    {
        for (var scope = this; scope is not null; scope = scope._parent)
            if (scope._variables.TryGetValue(name, out var value)) return value;
        return new JinjaUndefined(name);
    }

    public void Set(string name, object? value) => _variables[name] = value;
}

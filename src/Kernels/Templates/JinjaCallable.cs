namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>Arguments of a call as written in the template: positional ones, then <c>name=value</c> ones.</summary>
internal sealed record JinjaArguments(IReadOnlyList<object?> Positional, IReadOnlyDictionary<string, object?> Named)
{
    public static readonly JinjaArguments None = new([], new Dictionary<string, object?>());

    public int Count => Positional.Count + Named.Count;

    /// <summary>Python's binding of one parameter: by position, else by name, else the default.</summary>
    public object? Get(int position, string name, object? fallback = null) =>
        position < Positional.Count ? Positional[position] : Named.TryGetValue(name, out var value) ? value : fallback;

    public bool Has(int position, string name) => position < Positional.Count || Named.ContainsKey(name);
}

/// <summary>Anything a template can call: globals (<c>raise_exception</c>, <c>namespace</c>), macros, and methods bound to a value (<c>content.strip</c>).</summary>
internal sealed class JinjaCallable(string name, Func<JinjaArguments, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(JinjaArguments arguments) => invoke(arguments);

    public override string ToString() => $"<function {Name}>";
}

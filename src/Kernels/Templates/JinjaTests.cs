namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>The tests after <c>is</c>: <c>x is defined</c>, <c>x is not none</c>, <c>n is divisibleby 3</c>, and the <c>selectattr</c> names.</summary>
internal static class JinjaTests
{
    public static bool Apply(string name, object? value, IReadOnlyList<object?> arguments)
    {
        object? Argument() => arguments.Count > 0 ? arguments[0] : throw new ChatTemplateException($"test '{name}' needs an argument");
        return name switch
        {
            "defined" => value is not JinjaUndefined,
            "undefined" => value is JinjaUndefined,
            "none" => value is null,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "string" => value is string,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "mapping" => value is System.Collections.Generic.OrderedDictionary<string, object?> or JinjaNamespace,
            "sequence" => value is string or List<object?> or System.Collections.Generic.OrderedDictionary<string, object?>,
            "iterable" => value is string or List<object?> or System.Collections.Generic.OrderedDictionary<string, object?>,
            "callable" => value is JinjaCallable,
            "lower" => value is string s && s == s.ToLowerInvariant(),
            "upper" => value is string s && s == s.ToUpperInvariant(),
            "odd" => JinjaValue.ToDouble(value) % 2 is 1 or -1,
            "even" => JinjaValue.ToDouble(value) % 2 == 0,
            "divisibleby" => JinjaValue.ToDouble(value) % JinjaValue.ToDouble(Argument()) == 0,
            "eq" or "equalto" or "==" => JinjaValue.AreEqual(value, Argument()),
            "ne" or "!=" => !JinjaValue.AreEqual(value, Argument()),
            "lt" or "lessthan" or "<" => JinjaValue.Compare(value, Argument()) < 0,
            "le" or "<=" => JinjaValue.Compare(value, Argument()) <= 0,
            "gt" or "greaterthan" or ">" => JinjaValue.Compare(value, Argument()) > 0,
            "ge" or ">=" => JinjaValue.Compare(value, Argument()) >= 0,
            "in" => JinjaValue.Contains(Argument(), value),
            "sameas" => value is null or bool ? Equals(value, Argument()) : ReferenceEquals(value, Argument()),
            _ => throw new ChatTemplateException($"no test named '{name}'"),
        };
    }
}

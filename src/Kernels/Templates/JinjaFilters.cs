using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>The filters after <c>|</c>, with jinja2's behaviour except <c>tojson</c>, which is transformers' (see <see cref="JinjaJson"/>).</summary>
internal static partial class JinjaFilters
{
    public static object? Apply(string name, object? value, JinjaArguments a)
    {
        switch (name)
        {
            case "trim": return JinjaMembers.Strip(JinjaValue.Str(value), a.Get(0, "chars"), true, true);
            case "length" or "count": return JinjaValue.Length(value);
            case "string": return JinjaValue.Str(value);
            case "lower": return JinjaValue.Str(value).ToLowerInvariant();
            case "upper": return JinjaValue.Str(value).ToUpperInvariant();
            case "capitalize": return JinjaMembers.Capitalize(JinjaValue.Str(value));
            case "title": return Title(JinjaValue.Str(value));
            case "replace":
                return JinjaMembers.Replace(JinjaValue.Str(value), JinjaValue.Str(a.Get(0, "old")), JinjaValue.Str(a.Get(1, "new")), a.Get(2, "count"));
            case "safe": return value;
            case "tojson": return ToJson(value, a);
            case "first": return JinjaValue.Iterate(value) is { Count: > 0 } f ? f[0] : new JinjaUndefined("first");
            case "last": return JinjaValue.Iterate(value) is { Count: > 0 } l ? l[^1] : new JinjaUndefined("last");
            case "list": return JinjaValue.Iterate(value).ToList();
            case "reverse":
                return value is string s ? string.Concat(JinjaValue.Chars(s).AsEnumerable().Reverse()) : JinjaValue.Iterate(value).AsEnumerable().Reverse().ToList();
            case "join":
                var items = JinjaValue.Iterate(value).AsEnumerable();
                if (a.Get(1, "attribute") is { } attribute and not JinjaUndefined) items = items.Select(i => Attribute(i, attribute));
                return string.Join(JinjaValue.Str(a.Get(0, "d", "")), items.Select(JinjaValue.Str));
            case "default" or "d":
                var fallback = a.Get(0, "default_value", "");
                return value is JinjaUndefined || (JinjaValue.IsTruthy(a.Get(1, "boolean", false)) && !JinjaValue.IsTruthy(value)) ? fallback : value;
            case "items":
                return value switch
                {
                    OrderedDictionary<string, object?> dict => dict.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
                    JinjaUndefined => new List<object?>(),
                    _ => throw new ChatTemplateException($"items filter expects a mapping, got {JinjaValue.TypeName(value)}"),
                };
            case "selectattr" or "rejectattr":
                return Select(value, a, name == "selectattr", byAttribute: true);
            case "select" or "reject":
                return Select(value, a, name == "select", byAttribute: false);
            case "map":
                return Map(value, a);
            case "int":
                return ToInt(value, a.Get(0, "default", 0L));
            case "float":
                return value switch
                {
                    long or double or bool => JinjaValue.ToDouble(value),
                    string s2 when double.TryParse(s2.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                    _ => a.Get(0, "default", 0.0),
                };
            case "abs":
                return value is long l2 ? (object)Math.Abs(l2) : Math.Abs(JinjaValue.ToDouble(value));
            case "sum":
                return JinjaValue.Iterate(value).Aggregate<object?, object?>(a.Get(1, "start", 0L), (acc, x) => JinjaEvaluator.Arithmetic("+", acc, x));
            case "min" or "max":
                var list = JinjaValue.Iterate(value);
                if (list.Count == 0) return new JinjaUndefined(name);
                return list.Aggregate((x, y) => (JinjaValue.Compare(x, y) <= 0) == (name == "min") ? x : y);
            case "unique":
                var unique = new List<object?>();
                foreach (var item in JinjaValue.Iterate(value))
                    if (!unique.Any(u => JinjaValue.AreEqual(u, item))) unique.Add(item);
                return unique;
            case "sort":
                var key = a.Get(2, "attribute");
                var sorted = JinjaValue.Iterate(value).ToList();
                // jinja2 sorts strings case-insensitively unless case_sensitive=true.
                var caseSensitive = JinjaValue.IsTruthy(a.Get(1, "case_sensitive", false));
                object? SortKey(object? x)
                {
                    var k = key is null or JinjaUndefined ? x : Attribute(x, key);
                    return k is string text && !caseSensitive ? text.ToLowerInvariant() : k;
                }
                Comparison<object?> compare = (x, y) => JinjaValue.Compare(SortKey(x), SortKey(y));
                // List.Sort is unstable; Python's sort is stable and templates may rely on it.
                sorted = [.. sorted.Select((v, i) => (v, i)).OrderBy(p => p, Comparer<(object? v, int i)>.Create((p, q) =>
                    compare(p.v, q.v) is var c && c != 0 ? c : p.i.CompareTo(q.i))).Select(p => p.v)];
                if (JinjaValue.IsTruthy(a.Get(0, "reverse", false))) sorted.Reverse();
                return sorted;
            case "indent":
                return Indent(JinjaValue.Str(value), a);
            case "wordcount":
                return (long)JinjaValue.Str(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            default:
                throw new ChatTemplateException($"no filter named '{name}'");
        }
    }

    private static string ToJson(object? value, JinjaArguments a)
    {
        var indent = a.Get(1, "indent") is long i ? (int?)i : null;
        string? item = null, key = null;
        if (a.Get(2, "separators") is List<object?> { Count: 2 } separators)
        {
            item = JinjaValue.Str(separators[0]);
            key = JinjaValue.Str(separators[1]);
        }
        return JinjaJson.Serialize(value, indent, item, key,
            sortKeys: JinjaValue.IsTruthy(a.Get(3, "sort_keys", false)), ensureAscii: JinjaValue.IsTruthy(a.Get(0, "ensure_ascii", false)));
    }

    /// <summary>Dotted attribute paths as jinja2 allows in <c>selectattr('function.name')</c> and <c>map(attribute=...)</c>.</summary>
    private static object? Attribute(object? item, object? path)
    {
        foreach (var part in JinjaValue.Str(path).Split('.'))
        {
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? JinjaMembers.GetItem(item, index)
                : JinjaMembers.GetItem(item, part);
            if (item is JinjaUndefined) return item;
        }
        return item;
    }

    private static List<object?> Select(object? value, JinjaArguments a, bool keep, bool byAttribute)
    {
        var offset = byAttribute ? 1 : 0;
        var test = a.Positional.Count > offset ? JinjaValue.Str(a.Positional[offset]) : null;
        var testArguments = a.Positional.Skip(offset + 1).ToList();
        return JinjaValue.Iterate(value).Where(item =>
        {
            var subject = byAttribute ? Attribute(item, a.Positional[0]) : item;
            var passed = test is null ? JinjaValue.IsTruthy(subject) : JinjaTests.Apply(test, subject, testArguments);
            return passed == keep;
        }).ToList();
    }

    private static List<object?> Map(object? value, JinjaArguments a)
    {
        var items = JinjaValue.Iterate(value);
        if (a.Named.TryGetValue("attribute", out var attribute))
        {
            var fallback = a.Named.GetValueOrDefault("default", new JinjaUndefined("default"));
            return items.Select(i => Attribute(i, attribute) is JinjaUndefined && a.Named.ContainsKey("default") ? fallback : Attribute(i, attribute)).ToList();
        }
        if (a.Positional.Count == 0) throw new ChatTemplateException("map needs a filter name or attribute=");
        var filter = JinjaValue.Str(a.Positional[0]);
        var rest = new JinjaArguments(a.Positional.Skip(1).ToList(), a.Named);
        return items.Select(i => Apply(filter, i, rest)).ToList();
    }

    private static object? ToInt(object? value, object? fallback) => value switch
    {
        long l => l,
        bool b => b ? 1L : 0L,
        double d => (long)Math.Truncate(d),
        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
        _ => fallback,
    };

    /// <summary>jinja2's <c>title</c> filter: capitalizes each word, where words start after whitespace or an opening bracket or dash.</summary>
    private static string Title(string s) =>
        string.Concat(WordBeginning().Split(s).Where(part => part.Length > 0)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant()));

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginning();

    private static string Indent(string s, JinjaArguments a)
    {
        var width = a.Get(0, "width", 4L) is string w ? w : new string(' ', (int)JinjaValue.ToDouble(a.Get(0, "width", 4L)));
        var first = JinjaValue.IsTruthy(a.Get(1, "first", false));
        var blank = JinjaValue.IsTruthy(a.Get(2, "blank", false));
        var lines = s.Split('\n');
        var sb = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0) sb.Append('\n');
            if ((i > 0 || first) && (blank || lines[i].Length > 0)) sb.Append(width);
            sb.Append(lines[i]);
        }
        return sb.ToString();
    }
}

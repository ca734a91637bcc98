using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// The value model: templates are written against Python, so values behave like Python's. A value is one of
/// <c>null</c> (None), <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>, <see cref="string"/>,
/// <see cref="List{T}"/> of values (list and tuple), <see cref="OrderedDictionary{TKey,TValue}"/> keyed by string
/// (dict: insertion order matters to <c>tojson</c> and <c>items()</c>), <see cref="JinjaUndefined"/>,
/// <see cref="JinjaNamespace"/>, <see cref="JinjaLoop"/> or <see cref="JinjaCallable"/>.
/// </summary>
internal static class JinjaValue
{
    /// <summary>Brings a caller's CLR value (records, dictionaries, lists, JSON) into the value model.</summary>
    public static object? FromClr(object? value) => value switch
    {
        null => null,
        string or bool or long or double or JinjaUndefined or JinjaNamespace or JinjaCallable or JinjaLoop => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        ulong ul => (long)ul,
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        ChatMessage m => new OrderedDictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content },
        JsonElement e => FromJson(e),
        JsonNode n => FromJson(JsonSerializer.SerializeToElement(n)),
        OrderedDictionary<string, object?> d => d,
        IDictionary<string, object?> d => ToDict(d),
        IReadOnlyDictionary<string, object?> d => ToDict(d),
        IDictionary d => ToDict(d.Keys.Cast<object>().Select(k => new KeyValuePair<string, object?>(Str(FromClr(k)), d[k]))),
        List<object?> l => l,
        IEnumerable e => e.Cast<object?>().Select(FromClr).ToList(),
        _ => throw new ChatTemplateException($"a value of type {value.GetType().Name} cannot be passed to a chat template"),
    };

    private static OrderedDictionary<string, object?> ToDict(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs) dict[key] = FromClr(value);
        return dict;
    }

    private static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ToDict(e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, p.Value))),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => new JinjaUndefined("json"),
    };

    public static bool IsTruthy(object? value) => value switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        OrderedDictionary<string, object?> d => d.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    /// <summary>Python's <c>str(value)</c>: what <c>{{ value }}</c> prints and what <c>~</c> concatenates.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        JinjaUndefined => "",
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr(value)</c>, used for strings nested inside printed lists and dicts.</summary>
    public static string Repr(object? value)
    {
        switch (value)
        {
            case null: return "None";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return FormatFloat(d);
            case string s: return ReprString(s);
            case JinjaUndefined: return "";
            case List<object?> list: return "[" + string.Join(", ", list.Select(Repr)) + "]";
            case OrderedDictionary<string, object?> dict:
                return "{" + string.Join(", ", dict.Select(p => ReprString(p.Key) + ": " + Repr(p.Value))) + "}";
            default: return value.ToString() ?? "";
        }
    }

    /// <summary>Python's float repr: shortest round-trip digits, always with a '.0' or an exponent.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E');
        if (e < 0)
        {
            // .NET switches to exponent form at 1e15; Python at 1e16. Both print the same digits below that.
            return r.Contains('.') ? r : r + ".0";
        }
        var mantissa = r[..e];
        var exponent = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        if (exponent is >= -4 and < 16)
        {
            return decimal.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                ? FormatFloat((double)m) : r;
        }
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string ReprString(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) sb.Append(@"\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        JinjaUndefined => "Undefined",
        JinjaNamespace => "Namespace",
        JinjaCallable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>Python's <c>==</c>: numbers compare by value across int/float/bool, containers element-wise.</summary>
    public static bool AreEqual(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a) == ToDouble(b);
        return (a, b) switch
        {
            (null, null) => true,
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => AreEqual(p.First, p.Second)),
            (OrderedDictionary<string, object?> x, OrderedDictionary<string, object?> y) =>
                x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && AreEqual(p.Value, v)),
            (JinjaUndefined, JinjaUndefined) => true,
            _ => ReferenceEquals(a, b),
        };
    }

    /// <summary>Python's ordering for the types that have one: numbers, strings (by code point) and lists.</summary>
    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a).CompareTo(ToDouble(b));
        if (a is string x && b is string y) return string.CompareOrdinal(x, y);
        if (a is List<object?> l && b is List<object?> r)
        {
            for (var i = 0; i < Math.Min(l.Count, r.Count); i++)
            {
                var c = Compare(l[i], r[i]);
                if (c != 0) return c;
            }
            return l.Count.CompareTo(r.Count);
        }
        throw new ChatTemplateException($"'<' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new ChatTemplateException($"expected a number, got {TypeName(value)}"),
    };

    /// <summary>What <c>for</c> walks over: lists, dict keys, string characters; Undefined iterates as empty.</summary>
    public static List<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        OrderedDictionary<string, object?> dict => dict.Keys.Cast<object?>().ToList(),
        string s => Chars(s).Cast<object?>().ToList(),
        JinjaUndefined => [],
        _ => throw new ChatTemplateException($"'{TypeName(value)}' object is not iterable"),
    };

    /// <summary>A string as Python sees it: a sequence of code points, so emoji count and slice as one character.</summary>
    public static List<string> Chars(string s)
    {
        var chars = new List<string>(s.Length);
        foreach (var rune in s.EnumerateRunes()) chars.Add(rune.ToString());
        return chars;
    }

    public static long Length(object? value) => value switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> l => l.Count,
        OrderedDictionary<string, object?> d => d.Count,
        JinjaUndefined => 0,
        _ => throw new ChatTemplateException($"object of type '{TypeName(value)}' has no len()"),
    };

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new ChatTemplateException($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        List<object?> list => list.Any(x => AreEqual(x, item)),
        OrderedDictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        JinjaUndefined => false,
        _ => throw new ChatTemplateException($"argument of type '{TypeName(container)}' is not iterable"),
    };
}

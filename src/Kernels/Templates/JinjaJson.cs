using System.Globalization;
using System.Text;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// The <c>tojson</c> filter as transformers defines it: Python's <c>json.dumps(x, ensure_ascii=False, indent=indent,
/// separators=separators, sort_keys=sort_keys)</c>. Unlike jinja2's own filter it does not HTML-escape, keeps dict
/// order, and writes non-ASCII text as is; tool schemas reach the model through it, so every byte matters.
/// </summary>
internal static class JinjaJson
{
    public static string Serialize(object? value, int? indent = null, string? itemSeparator = null, string? keySeparator = null,
        bool sortKeys = false, bool ensureAscii = false)
    {
        var sb = new StringBuilder();
        // Python's defaults: ", " between items on one line, "," before a newline when indenting.
        var options = (indent, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ", sortKeys, ensureAscii);
        Write(sb, value, options, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, (int? Indent, string Item, string Key, bool Sort, bool Ascii) o, int depth)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : JinjaValue.FormatFloat(d));
                break;
            case string s: WriteString(sb, s, o.Ascii); break;
            case List<object?> list:
                WriteContainer(sb, '[', ']', list, o, depth, (item, d) => Write(sb, item, o, d));
                break;
            case OrderedDictionary<string, object?> dict:
                IEnumerable<KeyValuePair<string, object?>> pairs = o.Sort ? dict.OrderBy(p => p.Key, StringComparer.Ordinal) : dict;
                WriteContainer(sb, '{', '}', pairs.ToList(), o, depth, (pair, d) =>
                {
                    WriteString(sb, pair.Key, o.Ascii);
                    sb.Append(o.Key);
                    Write(sb, pair.Value, o, d);
                });
                break;
            default:
                throw new ChatTemplateException($"Object of type {JinjaValue.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteContainer<T>(StringBuilder sb, char open, char close, IReadOnlyList<T> items,
        (int? Indent, string Item, string Key, bool Sort, bool Ascii) o, int depth, Action<T, int> writeItem)
    {
        sb.Append(open);
        if (items.Count == 0)
        {
            sb.Append(close);
            return;
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(o.Item);
            if (o.Indent is { } indent) sb.Append('\n').Append(' ', indent * (depth + 1));
            writeItem(items[i], depth + 1);
        }
        if (o.Indent is { } outer) sb.Append('\n').Append(' ', outer * depth);
        sb.Append(close);
    }

    private static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}

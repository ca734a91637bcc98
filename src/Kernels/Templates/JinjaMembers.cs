using System.Globalization;
using System.Text;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// Attribute, item and slice access, and the Python methods templates call on strings and dicts
/// (<c>content.strip()</c>, <c>message.get('tool_calls')</c>, <c>tool.items()</c>).
/// </summary>
internal static class JinjaMembers
{
    /// <summary><c>obj.name</c>: a Python attribute (method) first, then the item with that key.</summary>
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw undefined.Fail($"has no attribute '{name}'");
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out var value) ? value : new JinjaUndefined(name);
            case JinjaLoop loop:
                return loop.Attribute(name);
            case string s when StringMethod(s, name) is { } method:
                return method;
            case OrderedDictionary<string, object?> dict when DictMethod(dict, name) is { } method:
                return method;
            case OrderedDictionary<string, object?> dict:
                return dict.TryGetValue(name, out var item) ? item : new JinjaUndefined(name);
            default:
                return new JinjaUndefined(name);
        }
    }

    /// <summary><c>obj[key]</c>: the item first (negative list indices count from the end), then an attribute.</summary>
    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw undefined.Fail($"cannot be indexed with {JinjaValue.Repr(key)}");
            case OrderedDictionary<string, object?> dict when key is string k:
                return dict.TryGetValue(k, out var value) ? value : new JinjaUndefined(k);
            case OrderedDictionary<string, object?> dict when key is long or bool:
                return dict.TryGetValue(JinjaValue.Str(key), out var value2) ? value2 : new JinjaUndefined(JinjaValue.Str(key));
            case List<object?> list when key is long or bool:
                var index = (long)JinjaValue.ToDouble(key);
                if (index < 0) index += list.Count;
                return index >= 0 && index < list.Count ? list[(int)index] : new JinjaUndefined($"[{key}]");
            case string s when key is long or bool:
                var chars = JinjaValue.Chars(s);
                var i = (long)JinjaValue.ToDouble(key);
                if (i < 0) i += chars.Count;
                return i >= 0 && i < chars.Count ? chars[(int)i] : new JinjaUndefined($"[{key}]");
            case var _ when key is string name:
                return GetAttribute(target, name);
            default:
                return new JinjaUndefined($"[{JinjaValue.Repr(key)}]");
        }
    }

    /// <summary>Python slicing <c>x[start:stop:step]</c> for lists and strings.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        var items = target switch
        {
            List<object?> list => list,
            string s => JinjaValue.Chars(s).Cast<object?>().ToList(),
            JinjaUndefined u => throw u.Fail("cannot be sliced"),
            _ => throw new ChatTemplateException($"'{JinjaValue.TypeName(target)}' object is not subscriptable"),
        };
        var stepValue = step is null ? 1 : (long)JinjaValue.ToDouble(step);
        if (stepValue == 0) throw new ChatTemplateException("slice step cannot be zero");
        long n = items.Count;
        long Clamp(object? bound, long whenMissing)
        {
            if (bound is null) return whenMissing;
            var b = (long)JinjaValue.ToDouble(bound);
            if (b < 0) b += n;
            return stepValue > 0 ? Math.Clamp(b, 0, n) : Math.Clamp(b, -1, n - 1);
        }
        var from = Clamp(start, stepValue > 0 ? 0 : n - 1);
        var to = Clamp(stop, stepValue > 0 ? n : -1);
        var result = new List<object?>();
        for (var i = from; stepValue > 0 ? i < to : i > to; i += stepValue) result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    private static JinjaCallable? DictMethod(OrderedDictionary<string, object?> dict, string name) => name switch
    {
        "get" => new JinjaCallable("dict.get", a =>
            a.Get(0, "key") is string k && dict.TryGetValue(k, out var v) ? v : a.Get(1, "default")),
        "items" => new JinjaCallable("dict.items", _ => dict.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()),
        "keys" => new JinjaCallable("dict.keys", _ => dict.Keys.Cast<object?>().ToList()),
        "values" => new JinjaCallable("dict.values", _ => dict.Values.ToList()),
        _ => null,
    };

    private static JinjaCallable? StringMethod(string s, string name) => name switch
    {
        "strip" => new JinjaCallable("str.strip", a => Strip(s, a.Get(0, "chars"), true, true)),
        "lstrip" => new JinjaCallable("str.lstrip", a => Strip(s, a.Get(0, "chars"), true, false)),
        "rstrip" => new JinjaCallable("str.rstrip", a => Strip(s, a.Get(0, "chars"), false, true)),
        "upper" => new JinjaCallable("str.upper", _ => s.ToUpperInvariant()),
        "lower" => new JinjaCallable("str.lower", _ => s.ToLowerInvariant()),
        "title" => new JinjaCallable("str.title", _ => PythonTitle(s)),
        "capitalize" => new JinjaCallable("str.capitalize", _ => Capitalize(s)),
        "startswith" => new JinjaCallable("str.startswith", a => Affixes(a.Get(0, "prefix")).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new JinjaCallable("str.endswith", a => Affixes(a.Get(0, "suffix")).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
        "split" => new JinjaCallable("str.split", a => Split(s, a.Get(0, "sep"), a.Get(1, "maxsplit", -1L))),
        "replace" => new JinjaCallable("str.replace", a => Replace(s, ArgString(a.Get(0, "old")), ArgString(a.Get(1, "new")), a.Get(2, "count", -1L))),
        "find" => new JinjaCallable("str.find", a => (long)s.IndexOf(ArgString(a.Get(0, "sub")), StringComparison.Ordinal)),
        "count" => new JinjaCallable("str.count", a => CountOccurrences(s, ArgString(a.Get(0, "sub")))),
        "join" => new JinjaCallable("str.join", a => string.Join(s, JinjaValue.Iterate(a.Get(0, "iterable")).Select(ArgString))),
        "splitlines" => new JinjaCallable("str.splitlines", _ =>
            s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).Take(s.EndsWith('\n') ? s.Count(c => c == '\n') : int.MaxValue).ToList()),
        "format" => new JinjaCallable("str.format", a => Format(s, a)),
        _ => null,
    };

    private static string ArgString(object? value) =>
        value as string ?? throw new ChatTemplateException($"expected a string argument, got {JinjaValue.TypeName(value)}");

    private static IEnumerable<string> Affixes(object? value) =>
        value is List<object?> options ? options.Select(ArgString) : [ArgString(value)];

    public static string Strip(string s, object? chars, bool left, bool right)
    {
        if (chars is null or JinjaUndefined)
        {
            return left && right ? s.Trim() : left ? s.TrimStart() : s.TrimEnd();
        }
        var set = ArgString(chars).ToCharArray();
        return left && right ? s.Trim(set) : left ? s.TrimStart(set) : s.TrimEnd(set);
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Python's <c>str.title()</c>: a letter after a non-letter is upper-cased, every other letter lower-cased.</summary>
    private static string PythonTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousIsLetter = false;
        foreach (var c in s)
        {
            sb.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }
        return sb.ToString();
    }

    public static string Replace(string s, string old, string replacement, object? count)
    {
        var max = count is null ? -1 : (long)JinjaValue.ToDouble(count);
        if (max < 0) return old.Length == 0 ? string.Join(replacement, ["", .. JinjaValue.Chars(s), ""]) : s.Replace(old, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder();
        var pos = 0;
        for (var done = 0; done < max; done++)
        {
            var at = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0 || old.Length == 0) break;
            sb.Append(s, pos, at - pos).Append(replacement);
            pos = at + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static long CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return JinjaValue.Length(s) + 1;
        long count = 0;
        for (var at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Python's <c>str.split</c>: without a separator it splits on runs of whitespace and drops empty parts.</summary>
    private static List<object?> Split(string s, object? separator, object? maxSplit)
    {
        var max = maxSplit is null ? -1 : (long)JinjaValue.ToDouble(maxSplit);
        var parts = new List<object?>();
        if (separator is null or JinjaUndefined)
        {
            var pos = 0;
            while (true)
            {
                while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
                if (pos >= s.Length) break;
                if (max >= 0 && parts.Count == max)
                {
                    parts.Add(s[pos..].TrimEnd());
                    break;
                }
                var end = pos;
                while (end < s.Length && !char.IsWhiteSpace(s[end])) end++;
                parts.Add(s[pos..end]);
                pos = end;
            }
            return parts;
        }
        var sep = ArgString(separator);
        if (sep.Length == 0) throw new ChatTemplateException("empty separator");
        var start = 0;
        while (max < 0 || parts.Count < max)
        {
            var at = s.IndexOf(sep, start, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[start..at]);
            start = at + sep.Length;
        }
        parts.Add(s[start..]);
        return parts;
    }

    /// <summary><c>'{} and {name}'.format(...)</c> with plain <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields, no format specs.</summary>
    private static string Format(string s, JinjaArguments a)
    {
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '{' && i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (s[i] == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (s[i] != '{') { sb.Append(s[i]); continue; }
            var close = s.IndexOf('}', i);
            if (close < 0) throw new ChatTemplateException("Single '{' encountered in format string");
            var field = s[(i + 1)..close];
            object? value = field.Length == 0 ? a.Positional.ElementAtOrDefault(auto++)
                : int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? a.Positional.ElementAtOrDefault(n)
                : a.Named.GetValueOrDefault(field);
            sb.Append(JinjaValue.Str(value));
            i = close;
        }
        return sb.ToString();
    }
}

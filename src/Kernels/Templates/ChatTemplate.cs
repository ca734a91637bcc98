using System.Globalization;
using System.Text;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// A model's chat template (the <c>chat_template</c> of its tokenizer_config.json), rendered with the Jinja semantics
/// transformers' <c>apply_chat_template</c> uses, so the prompt — and therefore the token ids and the prefix-cache
/// hashes — is byte-identical to what Hugging Face produces. Parse once per model; <see cref="Render"/> is thread-safe.
/// </summary>
public sealed class ChatTemplate
{
    private readonly IReadOnlyList<JinjaStatement> _body;

    private ChatTemplate(IReadOnlyList<JinjaStatement> body) => _body = body;

    /// <exception cref="ChatTemplateException">A syntax error; the message names the line and column and what was expected.</exception>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(JinjaParser.Parse(source));
    }

    /// <summary>
    /// Renders the conversation. <paramref name="variables"/> adds what the template may read besides <c>messages</c>
    /// and <c>add_generation_prompt</c>: <c>bos_token</c>, <c>eos_token</c>, <c>tools</c>, <c>date_string</c>, ...
    /// Values may be strings, numbers, booleans, null, dictionaries, lists or <see cref="System.Text.Json.JsonElement"/>s.
    /// A variable left out is undefined, as in transformers (<c>tools is defined</c> is false).
    /// </summary>
    /// <exception cref="ChatTemplateException">The template raised (<see cref="ChatTemplateException.RaisedByTemplate"/>, message verbatim) or failed.</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var globals = new JinjaScope(null);
        globals.Set("raise_exception", RaiseException);
        globals.Set("strftime_now", StrftimeNow);
        globals.Set("namespace", Namespace);
        globals.Set("range", Range);
        globals.Set("dict", Dict);
        if (variables is not null)
            foreach (var (name, value) in variables) globals.Set(name, JinjaValue.FromClr(value));
        globals.Set("messages", messages.Select(m => JinjaValue.FromClr(m)).ToList());
        globals.Set("add_generation_prompt", addGenerationPrompt);
        return JinjaEvaluator.Render(_body, globals);
    }

    private static readonly JinjaCallable RaiseException = new("raise_exception", a =>
        throw new ChatTemplateException(JinjaValue.Str(a.Get(0, "message", ""))) { RaisedByTemplate = true });

    private static readonly JinjaCallable Namespace = new("namespace", a =>
    {
        var ns = new JinjaNamespace();
        if (a.Positional.Count > 0 && a.Positional[0] is OrderedDictionary<string, object?> initial)
            foreach (var (key, value) in initial) ns.Attributes[key] = value;
        foreach (var (key, value) in a.Named) ns.Attributes[key] = value;
        return ns;
    });

    private static readonly JinjaCallable Dict = new("dict", a =>
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in a.Named) dict[key] = value;
        return dict;
    });

    private static readonly JinjaCallable Range = new("range", a =>
    {
        var numbers = a.Positional.Select(p => (long)JinjaValue.ToDouble(p)).ToList();
        var (start, stop, step) = numbers.Count switch
        {
            1 => (0L, numbers[0], 1L),
            2 => (numbers[0], numbers[1], 1L),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw new ChatTemplateException("range expects 1 to 3 integer arguments"),
        };
        if (step == 0) throw new ChatTemplateException("range() arg 3 must not be zero");
        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step) result.Add(i);
        return result;
    });

    /// <summary>transformers' <c>strftime_now(format)</c>: <c>datetime.now().strftime(format)</c>, local time.</summary>
    private static readonly JinjaCallable StrftimeNow = new("strftime_now", a =>
        Strftime(DateTime.Now, JinjaValue.Str(a.Get(0, "format", ""))));

    internal static string Strftime(DateTime time, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            var directive = format[++i];
            sb.Append(directive switch
            {
                'd' => time.ToString("dd", c),
                '-' when i + 1 < format.Length && format[i + 1] == 'd' => time.Day.ToString(c),
                'm' => time.ToString("MM", c),
                'Y' => time.ToString("yyyy", c),
                'y' => time.ToString("yy", c),
                'b' => time.ToString("MMM", c),
                'B' => time.ToString("MMMM", c),
                'a' => time.ToString("ddd", c),
                'A' => time.ToString("dddd", c),
                'H' => time.ToString("HH", c),
                'I' => time.ToString("hh", c),
                'M' => time.ToString("mm", c),
                'S' => time.ToString("ss", c),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'j' => time.DayOfYear.ToString("000", c),
                '%' => "%",
                _ => "%" + directive,
            });
            if (directive == '-' && i + 1 < format.Length && format[i + 1] == 'd') i++;
        }
        return sb.ToString();
    }
}

using System.Globalization;
using System.Text;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control the way jinja2 does with the settings
/// transformers uses (<c>trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False</c>): a block or comment
/// tag drops the one newline that follows it and the spaces that precede it on its own line; <c>-</c> inside a
/// delimiter strips all whitespace on that side; <c>+</c> turns the block settings off for that side.
/// </summary>
internal sealed class JinjaLexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly string _source;
    private readonly List<int> _lineStarts = [0];
    private readonly List<JinjaToken> _tokens = [];

    private JinjaLexer(string source)
    {
        // jinja2 normalizes newlines and, without keep_trailing_newline, drops one final newline of the source.
        source = source.Replace("\r\n", "\n").Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        _source = source;
        for (var i = 0; i < source.Length; i++)
            if (source[i] == '\n') _lineStarts.Add(i + 1);
    }

    public static List<JinjaToken> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private (int Line, int Column) Position(int offset)
    {
        var line = _lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        return (line + 1, offset - _lineStarts[line] + 1);
    }

    private ChatTemplateException Error(int offset, string message)
    {
        var (line, column) = Position(offset);
        return new ChatTemplateException(message, line, column);
    }

    private void Add(JinjaTokenKind kind, string value, int offset)
    {
        var (line, column) = Position(offset);
        _tokens.Add(new JinjaToken(kind, value, line, column));
    }

    private void Run()
    {
        var pos = 0;
        // How the previous tag wants the following text trimmed: '-' strips all whitespace, 'b' (a block or
        // comment under trim_blocks) drops a single newline, anything else leaves it alone.
        var trimNext = ' ';
        while (pos <= _source.Length)
        {
            var open = FindTagStart(pos);
            var textEnd = open < 0 ? _source.Length : open;
            var textStart = pos;
            if (trimNext == '-')
            {
                while (textStart < textEnd && char.IsWhiteSpace(_source[textStart])) textStart++;
            }
            else if (trimNext == 'b' && textStart < textEnd && _source[textStart] == '\n')
            {
                textStart++;
            }

            if (open < 0)
            {
                EmitText(textStart, textEnd);
                break;
            }

            var kind = _source[open + 1];
            var modifier = open + 2 < _source.Length ? _source[open + 2] : ' ';
            if (modifier == '-')
            {
                while (textEnd > textStart && char.IsWhiteSpace(_source[textEnd - 1])) textEnd--;
            }
            else if (kind != '{' && modifier != '+')
            {
                textEnd = LstripBlock(textStart, textEnd);
            }
            EmitText(textStart, textEnd);

            var inner = open + 2 + (modifier is '-' or '+' ? 1 : 0);
            char endModifier;
            if (kind == '#')
            {
                var close = _source.IndexOf("#}", inner, StringComparison.Ordinal);
                if (close < 0) throw Error(open, "unclosed comment: expected '#}'");
                endModifier = close > inner && _source[close - 1] is '-' or '+' ? _source[close - 1] : ' ';
                pos = close + 2;
            }
            else
            {
                Add(kind == '{' ? JinjaTokenKind.VariableBegin : JinjaTokenKind.BlockBegin, kind == '{' ? "{{" : "{%", open);
                (pos, endModifier) = LexTag(inner, kind == '{' ? '}' : '%', open);
            }
            trimNext = endModifier == '-' ? '-' : kind != '{' && endModifier != '+' ? 'b' : ' ';
        }
        Add(JinjaTokenKind.End, "", _source.Length);
    }

    private int FindTagStart(int from)
    {
        for (var i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            if (_source[i + 1] is '{' or '%' or '#') return i;
        }
        return -1;
    }

    /// <summary>lstrip_blocks: spaces and tabs between the start of a line and a block tag are not output.</summary>
    private int LstripBlock(int textStart, int textEnd)
    {
        var lineStart = textEnd;
        while (lineStart > textStart && _source[lineStart - 1] is not '\n' && char.IsWhiteSpace(_source[lineStart - 1])) lineStart--;
        var atLineStart = lineStart == 0 || _source[lineStart - 1] == '\n';
        return atLineStart ? lineStart : textEnd;
    }

    private void EmitText(int start, int end)
    {
        if (end > start) Add(JinjaTokenKind.Text, _source[start..end], start);
    }

    /// <summary>Lexes the inside of <c>{{ }}</c> or <c>{% %}</c>; returns the offset after the closing delimiter and its modifier.</summary>
    private (int Next, char Modifier) LexTag(int pos, char closer, int open)
    {
        var endKind = closer == '}' ? JinjaTokenKind.VariableEnd : JinjaTokenKind.BlockEnd;
        var endText = closer + "}";
        while (true)
        {
            while (pos < _source.Length && char.IsWhiteSpace(_source[pos])) pos++;
            if (pos >= _source.Length) throw Error(open, $"unclosed tag: expected '{endText}' before the end of the template");

            foreach (var modifier in new[] { '-', '+' })
            {
                if (_source[pos] == modifier && string.CompareOrdinal(_source, pos + 1, endText, 0, 2) == 0)
                {
                    Add(endKind, endText, pos);
                    return (pos + 3, modifier);
                }
            }
            if (string.CompareOrdinal(_source, pos, endText, 0, 2) == 0)
            {
                Add(endKind, endText, pos);
                return (pos + 2, ' ');
            }

            var c = _source[pos];
            if (c is '\'' or '"') pos = LexString(pos);
            else if (char.IsAsciiDigit(c)) pos = LexNumber(pos);
            else if (char.IsLetter(c) || c == '_')
            {
                var start = pos;
                while (pos < _source.Length && (char.IsLetterOrDigit(_source[pos]) || _source[pos] == '_')) pos++;
                Add(JinjaTokenKind.Name, _source[start..pos], start);
            }
            else
            {
                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(_source, pos, o, 0, o.Length) == 0)
                         ?? throw Error(pos, $"unexpected character '{c}'");
                Add(JinjaTokenKind.Operator, op, pos);
                pos += op.Length;
            }
        }
    }

    private int LexNumber(int start)
    {
        var pos = start;
        var isFloat = false;
        while (pos < _source.Length && (char.IsAsciiDigit(_source[pos]) || _source[pos] == '_')) pos++;
        if (pos + 1 < _source.Length && _source[pos] == '.' && char.IsAsciiDigit(_source[pos + 1]))
        {
            isFloat = true;
            pos++;
            while (pos < _source.Length && (char.IsAsciiDigit(_source[pos]) || _source[pos] == '_')) pos++;
        }
        if (pos < _source.Length && _source[pos] is 'e' or 'E')
        {
            var p = pos + 1;
            if (p < _source.Length && _source[p] is '+' or '-') p++;
            if (p < _source.Length && char.IsAsciiDigit(_source[p]))
            {
                isFloat = true;
                pos = p;
                while (pos < _source.Length && char.IsAsciiDigit(_source[pos])) pos++;
            }
        }
        Add(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, _source[start..pos].Replace("_", ""), start);
        return pos;
    }

    /// <summary>A quoted string with Python's escapes (jinja2 decodes string literals with <c>unicode-escape</c>).</summary>
    private int LexString(int start)
    {
        var quote = _source[start];
        var sb = new StringBuilder();
        var pos = start + 1;
        while (true)
        {
            if (pos >= _source.Length) throw Error(start, "unterminated string literal");
            var c = _source[pos];
            if (c == quote) break;
            if (c != '\\' || pos + 1 >= _source.Length)
            {
                sb.Append(c);
                pos++;
                continue;
            }
            var e = _source[pos + 1];
            pos += 2;
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case 'a': sb.Append('\a'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case '\n': break;
                case 'x': sb.Append(HexEscape(ref pos, 2, start)); break;
                case 'u': sb.Append(HexEscape(ref pos, 4, start)); break;
                case 'U': sb.Append(HexEscape(ref pos, 8, start)); break;
                case >= '0' and <= '7':
                    var value = e - '0';
                    for (var n = 0; n < 2 && pos < _source.Length && _source[pos] is >= '0' and <= '7'; n++, pos++)
                        value = value * 8 + (_source[pos] - '0');
                    sb.Append((char)value);
                    break;
                default: sb.Append('\\').Append(e); break; // Python keeps unknown escapes verbatim.
            }
        }
        Add(JinjaTokenKind.String, sb.ToString(), start);
        return pos + 1;
    }

    private string HexEscape(ref int pos, int digits, int start)
    {
        if (pos + digits > _source.Length ||
            !int.TryParse(_source.AsSpan(pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            throw Error(start, $"truncated \\x/\\u escape: expected {digits} hex digits");
        pos += digits;
        return char.ConvertFromUtf32(code);
    }
}

using System.Globalization;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>
/// Recursive-descent parser over <see cref="JinjaLexer"/> tokens. Operator precedence follows jinja2's parser, lowest
/// first: <c>x if c else y</c>, <c>or</c>, <c>and</c>, <c>not</c>, comparisons/<c>in</c>, <c>+ -</c>, <c>~</c>,
/// <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then postfix (<c>.a</c>, <c>[i]</c>, <c>(...)</c>) and, binding tightest
/// after them, filters <c>|f</c> and tests <c>is t</c> — so <c>'a' + x | trim</c> trims only <c>x</c>.
/// </summary>
internal sealed class JinjaParser
{
    private static readonly HashSet<string> Keywords = ["and", "or", "not", "in", "is", "if", "else"];
    private static readonly HashSet<string> ComparisonOperators = ["==", "!=", "<", "<=", ">", ">="];

    private readonly List<JinjaToken> _tokens;
    private int _pos;
    private int _loopDepth;

    private JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<JinjaStatement> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var body = parser.ParseBody(null, out _);
        return body;
    }

    private JinjaToken Current => _tokens[_pos];

    private JinjaToken Peek(int ahead = 1) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

    private JinjaToken Advance() => _tokens[_pos++];

    private static ChatTemplateException Error(JinjaToken at, string message) => new(message, at.Line, at.Column);

    private ChatTemplateException Expected(string what) => Error(Current, $"expected {what}, found {Current.Describe()}");

    private bool AtOperator(string op) => Current.Is(JinjaTokenKind.Operator, op);

    private bool AtName(string name) => Current.Is(JinjaTokenKind.Name, name);

    private bool SkipOperator(string op)
    {
        if (!AtOperator(op)) return false;
        _pos++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!AtName(name)) return false;
        _pos++;
        return true;
    }

    private void ExpectOperator(string op)
    {
        if (!SkipOperator(op)) throw Expected($"'{op}'");
    }

    private string ExpectName(string what)
    {
        if (Current.Kind != JinjaTokenKind.Name) throw Expected(what);
        return Advance().Value;
    }

    private void ExpectBlockEnd(string tag)
    {
        if (Current.Kind != JinjaTokenKind.BlockEnd) throw Expected($"'%}}' to end the '{tag}' tag");
        _pos++;
    }

    /// <summary>
    /// Parses statements until one of <paramref name="terminators"/> opens a block tag; the tag's name is consumed
    /// and returned in <paramref name="terminator"/>, the rest of that tag is left to the caller.
    /// </summary>
    private List<JinjaStatement> ParseBody((JinjaToken Opener, string[] Names)? terminators, out string terminator)
    {
        var body = new List<JinjaStatement>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case JinjaTokenKind.Text:
                    body.Add(new TextStatement(Advance().Value, token.Line));
                    break;
                case JinjaTokenKind.VariableBegin:
                    _pos++;
                    body.Add(new OutputStatement(ParseExpression(), token.Line));
                    if (Current.Kind != JinjaTokenKind.VariableEnd) throw Expected("'}}'");
                    _pos++;
                    break;
                case JinjaTokenKind.BlockBegin:
                    _pos++;
                    var name = ExpectName("a tag name");
                    if (terminators is { } t && t.Names.Contains(name))
                    {
                        terminator = name;
                        return body;
                    }
                    body.AddRange(ParseStatement(name, token));
                    break;
                case JinjaTokenKind.End:
                    if (terminators is { } open)
                    {
                        throw Error(token, $"expected {string.Join(" or ", open.Names.Select(n => $"'{{% {n} %}}'"))} " +
                                           $"to close the tag opened at line {open.Opener.Line}, column {open.Opener.Column}, found end of template");
                    }
                    terminator = "";
                    return body;
                default:
                    throw Error(token, $"unexpected {token.Describe()}");
            }
        }
    }

    private IEnumerable<JinjaStatement> ParseStatement(string name, JinjaToken opener)
    {
        switch (name)
        {
            case "if": return [ParseIf(opener)];
            case "for": return [ParseFor(opener)];
            case "set": return [ParseSet(opener)];
            case "macro": return [ParseMacro(opener)];
            case "break" or "continue":
                if (_loopDepth == 0) throw Error(opener, $"'{name}' outside of a loop");
                ExpectBlockEnd(name);
                return [name == "break" ? new BreakStatement(opener.Line) : new ContinueStatement(opener.Line)];
            case "generation":
                // transformers' marker for assistant-token masks; it renders its body unchanged.
                ExpectBlockEnd(name);
                var body = ParseBody((opener, ["endgeneration"]), out _);
                ExpectBlockEnd("endgeneration");
                return body;
            default:
                throw Error(_tokens[_pos - 1], $"unknown tag '{name}': expected if, for, set, macro, break, continue or an end tag that matches an open block");
        }
    }

    private IfStatement ParseIf(JinjaToken opener)
    {
        var branches = new List<(JinjaExpression, IReadOnlyList<JinjaStatement>)>();
        IReadOnlyList<JinjaStatement> elseBody = [];
        var condition = ParseExpression();
        while (true)
        {
            ExpectBlockEnd("if");
            var body = ParseBody((opener, ["elif", "else", "endif"]), out var terminator);
            branches.Add((condition, body));
            if (terminator == "elif")
            {
                condition = ParseExpression();
                continue;
            }
            if (terminator == "else")
            {
                ExpectBlockEnd("else");
                elseBody = ParseBody((opener, ["endif"]), out _);
            }
            ExpectBlockEnd("endif");
            return new IfStatement(branches, elseBody, opener.Line);
        }
    }

    private ForStatement ParseFor(JinjaToken opener)
    {
        var targets = new List<string> { ExpectName("a loop variable name") };
        while (SkipOperator(",")) targets.Add(ExpectName("a loop variable name"));
        if (!SkipName("in")) throw Expected("'in'");
        // No conditional expression here: a trailing 'if' filters the loop instead.
        var iterable = ParseOr();
        var filter = SkipName("if") ? ParseExpression() : null;
        if (AtName("recursive")) throw Error(Current, "recursive loops are not supported");
        ExpectBlockEnd("for");
        _loopDepth++;
        var body = ParseBody((opener, ["else", "endfor"]), out var terminator);
        _loopDepth--;
        IReadOnlyList<JinjaStatement> elseBody = [];
        if (terminator == "else")
        {
            ExpectBlockEnd("else");
            elseBody = ParseBody((opener, ["endfor"]), out _);
        }
        ExpectBlockEnd("endfor");
        return new ForStatement(targets, iterable, filter, body, elseBody, opener.Line);
    }

    private JinjaStatement ParseSet(JinjaToken opener)
    {
        var targets = new List<string> { ExpectName("a variable name") };
        string? attribute = null;
        if (SkipOperator(".")) attribute = ExpectName("an attribute name");
        else while (SkipOperator(",")) targets.Add(ExpectName("a variable name"));

        if (Current.Kind == JinjaTokenKind.BlockEnd && attribute is null && targets.Count == 1)
        {
            _pos++;
            var body = ParseBody((opener, ["endset"]), out _);
            ExpectBlockEnd("endset");
            return new SetBlockStatement(targets[0], body, opener.Line);
        }
        ExpectOperator("=");
        var value = ParseTupleOrExpression();
        ExpectBlockEnd("set");
        return new SetStatement(targets, attribute, value, opener.Line);
    }

    private MacroStatement ParseMacro(JinjaToken opener)
    {
        var name = ExpectName("a macro name");
        var parameters = new List<(string, JinjaExpression?)>();
        ExpectOperator("(");
        while (!AtOperator(")"))
        {
            var parameter = ExpectName("a parameter name");
            parameters.Add((parameter, SkipOperator("=") ? ParseExpression() : null));
            if (!SkipOperator(",")) break;
        }
        ExpectOperator(")");
        ExpectBlockEnd("macro");
        var depth = _loopDepth;
        _loopDepth = 0;
        var body = ParseBody((opener, ["endmacro"]), out _);
        _loopDepth = depth;
        ExpectBlockEnd("endmacro");
        return new MacroStatement(name, parameters, body, opener.Line);
    }

    /// <summary><c>{% set a, b = 1, 2 %}</c>: a bare comma list on the right is a tuple.</summary>
    private JinjaExpression ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (!AtOperator(",")) return first;
        var items = new List<JinjaExpression> { first };
        while (SkipOperator(",") && Current.Kind != JinjaTokenKind.BlockEnd) items.Add(ParseExpression());
        return new ListExpression(items, first.Line);
    }

    public JinjaExpression ParseExpression()
    {
        var expression = ParseOr();
        while (AtName("if"))
        {
            var line = Advance().Line;
            var condition = ParseOr();
            var otherwise = SkipName("else") ? ParseExpression() : null;
            expression = new ConditionalExpression(condition, expression, otherwise, line);
        }
        return expression;
    }

    private JinjaExpression ParseOr()
    {
        var left = ParseAnd();
        while (AtName("or")) left = new BinaryExpression("or", left, Skip(ParseAnd), left.Line);
        return left;
    }

    private JinjaExpression ParseAnd()
    {
        var left = ParseNot();
        while (AtName("and")) left = new BinaryExpression("and", left, Skip(ParseNot), left.Line);
        return left;
    }

    private JinjaExpression Skip(Func<JinjaExpression> next)
    {
        _pos++;
        return next();
    }

    private JinjaExpression ParseNot()
    {
        if (AtName("not") && !Peek().Is(JinjaTokenKind.Name, "in"))
        {
            var line = Advance().Line;
            return new UnaryExpression("not", ParseNot(), line);
        }
        return ParseCompare();
    }

    private JinjaExpression ParseCompare()
    {
        var first = ParseAdditive();
        var rest = new List<(string, JinjaExpression)>();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && ComparisonOperators.Contains(Current.Value))
                rest.Add((Advance().Value, ParseAdditive()));
            else if (SkipName("in"))
                rest.Add(("in", ParseAdditive()));
            else if (AtName("not") && Peek().Is(JinjaTokenKind.Name, "in"))
            {
                _pos += 2;
                rest.Add(("not in", ParseAdditive()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpression(first, rest, first.Line);
    }

    private JinjaExpression ParseAdditive()
    {
        var left = ParseConcat();
        while (AtOperator("+") || AtOperator("-")) left = new BinaryExpression(Advance().Value, left, ParseConcat(), left.Line);
        return left;
    }

    private JinjaExpression ParseConcat()
    {
        var left = ParseMultiplicative();
        while (AtOperator("~")) left = new BinaryExpression(Advance().Value, left, ParseMultiplicative(), left.Line);
        return left;
    }

    private JinjaExpression ParseMultiplicative()
    {
        var left = ParsePower();
        while (AtOperator("*") || AtOperator("/") || AtOperator("//") || AtOperator("%"))
            left = new BinaryExpression(Advance().Value, left, ParsePower(), left.Line);
        return left;
    }

    private JinjaExpression ParsePower()
    {
        var left = ParseUnary(withFilters: true);
        while (AtOperator("**")) left = new BinaryExpression(Advance().Value, left, ParseUnary(withFilters: true), left.Line);
        return left;
    }

    private JinjaExpression ParseUnary(bool withFilters)
    {
        JinjaExpression node;
        if (AtOperator("-") || AtOperator("+"))
        {
            var token = Advance();
            node = new UnaryExpression(token.Value, ParseUnary(withFilters: false), token.Line);
        }
        else
        {
            node = ParsePrimary();
        }
        node = ParsePostfix(node);
        return withFilters ? ParseFiltersAndTests(node) : node;
    }

    private JinjaExpression ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case JinjaTokenKind.Name when !Keywords.Contains(token.Value):
                _pos++;
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Line),
                    "false" or "False" => new LiteralExpression(false, token.Line),
                    "none" or "None" => new LiteralExpression(null, token.Line),
                    _ => new NameExpression(token.Value, token.Line),
                };
            case JinjaTokenKind.String:
                var text = Advance().Value;
                while (Current.Kind == JinjaTokenKind.String) text += Advance().Value; // 'a' 'b' is 'ab', as in Python.
                return new LiteralExpression(text, token.Line);
            case JinjaTokenKind.Integer:
                _pos++;
                return long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)
                    ? new LiteralExpression(integer, token.Line)
                    : throw Error(token, $"integer literal {token.Value} is out of range");
            case JinjaTokenKind.Float:
                _pos++;
                return new LiteralExpression(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line);
            case JinjaTokenKind.Operator when token.Value == "(":
                _pos++;
                if (SkipOperator(")")) return new ListExpression([], token.Line);
                var first = ParseExpression();
                if (SkipOperator(")")) return first;
                var items = new List<JinjaExpression> { first };
                while (SkipOperator(",") && !AtOperator(")")) items.Add(ParseExpression());
                ExpectOperator(")");
                return new ListExpression(items, token.Line);
            case JinjaTokenKind.Operator when token.Value == "[":
                _pos++;
                var list = new List<JinjaExpression>();
                while (!AtOperator("]"))
                {
                    list.Add(ParseExpression());
                    if (!SkipOperator(",")) break;
                }
                ExpectOperator("]");
                return new ListExpression(list, token.Line);
            case JinjaTokenKind.Operator when token.Value == "{":
                _pos++;
                var pairs = new List<(JinjaExpression, JinjaExpression)>();
                while (!AtOperator("}"))
                {
                    var key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                    if (!SkipOperator(",")) break;
                }
                ExpectOperator("}");
                return new DictExpression(pairs, token.Line);
            default:
                throw Expected("an expression");
        }
    }

    private JinjaExpression ParsePostfix(JinjaExpression node)
    {
        while (true)
        {
            var token = Current;
            if (SkipOperator("."))
            {
                if (Current.Kind == JinjaTokenKind.Integer)
                    node = new ItemExpression(node, new LiteralExpression(long.Parse(Advance().Value, CultureInfo.InvariantCulture), token.Line), token.Line);
                else
                    node = new AttributeExpression(node, ExpectName("an attribute name after '.'"), token.Line);
            }
            else if (SkipOperator("["))
            {
                node = ParseSubscript(node, token);
            }
            else if (AtOperator("("))
            {
                var (arguments, named) = ParseArguments();
                node = new CallExpression(node, arguments, named, token.Line);
            }
            else
            {
                return node;
            }
        }
    }

    private JinjaExpression ParseSubscript(JinjaExpression target, JinjaToken open)
    {
        JinjaExpression? start = AtOperator(":") ? null : ParseExpression();
        if (start is not null && SkipOperator("]")) return new ItemExpression(target, start, open.Line);
        if (!SkipOperator(":")) throw Expected(start is null ? "':'" : "']' or ':'");
        JinjaExpression? stop = AtOperator(":") || AtOperator("]") ? null : ParseExpression();
        JinjaExpression? step = null;
        if (SkipOperator(":") && !AtOperator("]")) step = ParseExpression();
        ExpectOperator("]");
        return new SliceExpression(target, start, stop, step, open.Line);
    }

    private (List<JinjaExpression>, List<(string, JinjaExpression)>) ParseArguments()
    {
        ExpectOperator("(");
        var arguments = new List<JinjaExpression>();
        var named = new List<(string, JinjaExpression)>();
        while (!AtOperator(")"))
        {
            if (Current.Kind == JinjaTokenKind.Name && Peek().Is(JinjaTokenKind.Operator, "="))
            {
                var name = Advance().Value;
                _pos++;
                named.Add((name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0) throw Error(Current, "positional argument follows keyword argument");
                arguments.Add(ParseExpression());
            }
            if (!SkipOperator(",")) break;
        }
        ExpectOperator(")");
        return (arguments, named);
    }

    private JinjaExpression ParseFiltersAndTests(JinjaExpression node)
    {
        while (true)
        {
            var token = Current;
            if (SkipOperator("|"))
            {
                var name = ExpectName("a filter name after '|'");
                List<JinjaExpression> arguments = [];
                List<(string, JinjaExpression)> named = [];
                if (AtOperator("(")) (arguments, named) = ParseArguments();
                node = new FilterExpression(node, name, arguments, named, token.Line);
            }
            else if (SkipName("is"))
            {
                var negated = SkipName("not");
                var name = ExpectName("a test name after 'is'");
                List<JinjaExpression> arguments = [];
                if (AtOperator("("))
                {
                    var (positional, named) = ParseArguments();
                    arguments = [.. positional, .. named.Select(n => n.Item2)];
                }
                else if (Current.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
                         || (Current.Kind == JinjaTokenKind.Name && !Keywords.Contains(Current.Value))
                         || AtOperator("[") || AtOperator("{"))
                {
                    // `x is divisibleby 3`, `x is sameas false`: one argument without parentheses.
                    arguments = [ParsePostfix(ParsePrimary())];
                }
                node = new TestExpression(node, name, arguments, negated, token.Line);
            }
            else
            {
                return node;
            }
        }
    }
}

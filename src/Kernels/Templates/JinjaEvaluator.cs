using System.Text;

namespace Dynamo.Orleans.Kernels.Templates;

/// <summary>Walks the syntax tree and writes the output. One evaluator per render: it owns the output buffer.</summary>
internal sealed class JinjaEvaluator
{
    private enum Flow { Normal, Break, Continue }

    private readonly StringBuilder _output = new();

    public static string Render(IReadOnlyList<JinjaStatement> template, JinjaScope globals)
    {
        var evaluator = new JinjaEvaluator();
        evaluator.Execute(template, new JinjaScope(globals));
        return evaluator._output.ToString();
    }

    private Flow Execute(IReadOnlyList<JinjaStatement> statements, JinjaScope scope)
    {
        foreach (var statement in statements)
        {
            var flow = Execute(statement, scope);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(JinjaStatement statement, JinjaScope scope)
    {
        try
        {
            switch (statement)
            {
                case TextStatement text:
                    _output.Append(text.Text);
                    return Flow.Normal;
                case OutputStatement output:
                    _output.Append(JinjaValue.Str(Evaluate(output.Value, scope)));
                    return Flow.Normal;
                case IfStatement ifStatement:
                    foreach (var (condition, body) in ifStatement.Branches)
                        if (JinjaValue.IsTruthy(Evaluate(condition, scope))) return Execute(body, scope);
                    return Execute(ifStatement.Else, scope);
                case ForStatement forStatement:
                    ExecuteFor(forStatement, scope);
                    return Flow.Normal;
                case SetStatement set:
                    ExecuteSet(set, scope);
                    return Flow.Normal;
                case SetBlockStatement setBlock:
                    scope.Set(setBlock.Target, Capture(setBlock.Body, scope));
                    return Flow.Normal;
                case MacroStatement macro:
                    scope.Set(macro.Name, MakeMacro(macro, scope));
                    return Flow.Normal;
                case BreakStatement:
                    return Flow.Break;
                case ContinueStatement:
                    return Flow.Continue;
                default:
                    throw new InvalidOperationException($"unknown statement {statement.GetType().Name}");
            }
        }
        catch (ChatTemplateException e) when (e.Line is null && !e.RaisedByTemplate)
        {
            // Point render errors at the tag that failed; a template's own raise_exception message stays verbatim.
            throw new ChatTemplateException(e.Message, statement.Line, null, e) { RaisedByTemplate = false };
        }
    }

    private string Capture(IReadOnlyList<JinjaStatement> body, JinjaScope scope)
    {
        var start = _output.Length;
        Execute(body, scope);
        var text = _output.ToString(start, _output.Length - start);
        _output.Length = start;
        return text;
    }

    private void ExecuteFor(ForStatement loop, JinjaScope scope)
    {
        var items = JinjaValue.Iterate(Evaluate(loop.Iterable, scope));
        if (loop.Filter is not null)
        {
            // jinja2 filters before counting, so loop.index and loop.last see only the kept items.
            items = items.Where(item =>
            {
                var probe = new JinjaScope(scope);
                Bind(probe, loop.Targets, item);
                return JinjaValue.IsTruthy(Evaluate(loop.Filter, probe));
            }).ToList();
        }
        if (items.Count == 0)
        {
            Execute(loop.Else, new JinjaScope(scope));
            return;
        }
        var context = new JinjaLoop(items);
        for (var i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            var iteration = new JinjaScope(scope);
            iteration.Set("loop", context);
            Bind(iteration, loop.Targets, items[i]);
            if (Execute(loop.Body, iteration) == Flow.Break) break;
        }
    }

    private static void Bind(JinjaScope scope, IReadOnlyList<string> targets, object? value)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], value);
            return;
        }
        var parts = JinjaValue.Iterate(value);
        if (parts.Count != targets.Count)
            throw new ChatTemplateException($"cannot unpack {parts.Count} values into {targets.Count} variables");
        for (var i = 0; i < targets.Count; i++) scope.Set(targets[i], parts[i]);
    }

    private void ExecuteSet(SetStatement set, JinjaScope scope)
    {
        var value = Evaluate(set.Value, scope);
        if (set.Attribute is null)
        {
            Bind(scope, set.Targets, value);
            return;
        }
        if (scope.Lookup(set.Targets[0]) is not JinjaNamespace ns)
            throw new ChatTemplateException($"cannot assign attribute '{set.Attribute}' on '{set.Targets[0]}': it is not a namespace");
        ns.Attributes[set.Attribute] = value;
    }

    private JinjaCallable MakeMacro(MacroStatement macro, JinjaScope definedIn) => new(macro.Name, arguments =>
    {
        var call = new JinjaScope(definedIn);
        for (var i = 0; i < macro.Parameters.Count; i++)
        {
            var (name, fallback) = macro.Parameters[i];
            call.Set(name, arguments.Has(i, name) ? arguments.Get(i, name)
                : fallback is null ? new JinjaUndefined(name) : Evaluate(fallback, call));
        }
        var evaluator = new JinjaEvaluator();
        evaluator.Execute(macro.Body, call);
        return evaluator._output.ToString();
    });

    public object? Evaluate(JinjaExpression expression, JinjaScope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.Lookup(name.Name);
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case DictExpression dict:
                var result = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in dict.Pairs) result[JinjaValue.Str(Evaluate(key, scope))] = Evaluate(value, scope);
                return result;
            case AttributeExpression attribute:
                return JinjaMembers.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpression item:
                return JinjaMembers.GetItem(Evaluate(item.Target, scope), Evaluate(item.Key, scope));
            case SliceExpression slice:
                return JinjaMembers.Slice(Evaluate(slice.Target, scope), EvaluateOptional(slice.Start, scope),
                    EvaluateOptional(slice.Stop, scope), EvaluateOptional(slice.Step, scope));
            case CallExpression call:
                return Evaluate(call.Callee, scope) switch
                {
                    JinjaCallable callable => callable.Invoke(Arguments(call.Arguments, call.Named, scope)),
                    JinjaUndefined undefined => throw undefined.Fail("cannot be called"),
                    var other => throw new ChatTemplateException($"'{JinjaValue.TypeName(other)}' object is not callable"),
                };
            case FilterExpression filter:
                return JinjaFilters.Apply(filter.Name, Evaluate(filter.Value, scope), Arguments(filter.Arguments, filter.Named, scope));
            case TestExpression test:
                var passed = JinjaTests.Apply(test.Name, Evaluate(test.Value, scope), test.Arguments.Select(a => Evaluate(a, scope)).ToList());
                return passed != test.Negated;
            case UnaryExpression unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !JinjaValue.IsTruthy(operand),
                    "-" => operand is long l ? (object)(-l) : -JinjaValue.ToDouble(operand),
                    _ => operand is long or double ? operand : JinjaValue.ToDouble(operand),
                };
            case BinaryExpression { Operator: "and" } and:
                var left = Evaluate(and.Left, scope);
                return JinjaValue.IsTruthy(left) ? Evaluate(and.Right, scope) : left;
            case BinaryExpression { Operator: "or" } or:
                var first = Evaluate(or.Left, scope);
                return JinjaValue.IsTruthy(first) ? first : Evaluate(or.Right, scope);
            case BinaryExpression binary:
                return Arithmetic(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope));
            case CompareExpression compare:
                var current = Evaluate(compare.First, scope);
                foreach (var (op, operandExpression) in compare.Rest)
                {
                    var next = Evaluate(operandExpression, scope);
                    if (!Compare(op, current, next)) return false;
                    current = next;
                }
                return true;
            case ConditionalExpression conditional:
                return JinjaValue.IsTruthy(Evaluate(conditional.Condition, scope))
                    ? Evaluate(conditional.Then, scope)
                    : conditional.Else is null ? new JinjaUndefined("else") : Evaluate(conditional.Else, scope);
            default:
                throw new InvalidOperationException($"unknown expression {expression.GetType().Name}");
        }
    }

    private object? EvaluateOptional(JinjaExpression? expression, JinjaScope scope) =>
        expression is null ? null : Evaluate(expression, scope);

    private JinjaArguments Arguments(IReadOnlyList<JinjaExpression> positional, IReadOnlyList<(string Name, JinjaExpression Value)> named, JinjaScope scope) =>
        positional.Count == 0 && named.Count == 0
            ? JinjaArguments.None
            : new JinjaArguments(positional.Select(p => Evaluate(p, scope)).ToList(),
                named.ToDictionary(n => n.Name, n => Evaluate(n.Value, scope), StringComparer.Ordinal));

    private static bool Compare(string op, object? left, object? right) => op switch
    {
        "==" => JinjaValue.AreEqual(left, right),
        "!=" => !JinjaValue.AreEqual(left, right),
        "<" => JinjaValue.Compare(left, right) < 0,
        "<=" => JinjaValue.Compare(left, right) <= 0,
        ">" => JinjaValue.Compare(left, right) > 0,
        ">=" => JinjaValue.Compare(left, right) >= 0,
        "in" => JinjaValue.Contains(right, left),
        "not in" => !JinjaValue.Contains(right, left),
        _ => throw new InvalidOperationException(op),
    };

    /// <summary>Python's arithmetic: int stays int except for '/', '%' and '//' floor, '+' also joins strings and lists.</summary>
    public static object? Arithmetic(string op, object? left, object? right)
    {
        if (op == "~") return JinjaValue.Str(left) + JinjaValue.Str(right);
        if (left is JinjaUndefined undefinedLeft) throw undefinedLeft.Fail($"used with '{op}'");
        if (right is JinjaUndefined undefinedRight) throw undefinedRight.Fail($"used with '{op}'");
        switch (op, left, right)
        {
            case ("+", string a, string b): return a + b;
            case ("+", List<object?> a, List<object?> b): return a.Concat(b).ToList();
            case ("*", string s, long n): return string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, n)));
            case ("*", List<object?> l, long n): return Enumerable.Repeat(l, (int)Math.Max(0, n)).SelectMany(x => x).ToList();
        }
        if (!JinjaValue.IsNumber(left) || !JinjaValue.IsNumber(right))
            throw new ChatTemplateException($"unsupported operand type(s) for {op}: '{JinjaValue.TypeName(left)}' and '{JinjaValue.TypeName(right)}'");
        if (left is not double && right is not double)
        {
            var a = (long)JinjaValue.ToDouble(left);
            var b = (long)JinjaValue.ToDouble(right);
            switch (op)
            {
                case "+": return a + b;
                case "-": return a - b;
                case "*": return a * b;
                case "/": return b == 0 ? throw new ChatTemplateException("division by zero") : (double)a / b;
                case "//": return b == 0 ? throw new ChatTemplateException("integer division or modulo by zero") : (long)Math.Floor((double)a / b);
                case "%": return b == 0 ? throw new ChatTemplateException("integer division or modulo by zero") : ((a % b) + b) % b;
                case "**": return b >= 0 ? (object)(long)Math.Pow(a, b) : Math.Pow(a, b);
            }
        }
        var x = JinjaValue.ToDouble(left);
        var y = JinjaValue.ToDouble(right);
        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => y == 0 ? throw new ChatTemplateException("float division by zero") : x / y,
            "//" => y == 0 ? throw new ChatTemplateException("float divmod()") : Math.Floor(x / y),
            "%" => y == 0 ? throw new ChatTemplateException("float modulo") : x - y * Math.Floor(x / y),
            "**" => Math.Pow(x, y),
            _ => throw new InvalidOperationException(op),
        };
    }
}

namespace Dynamo.Orleans.Kernels.Templates;

// The syntax tree. Statements render output; expressions produce values. Every node keeps the line of its tag so
// render-time errors can point into the template.

internal abstract record JinjaStatement(int Line);

internal sealed record TextStatement(string Text, int Line) : JinjaStatement(Line);

internal sealed record OutputStatement(JinjaExpression Value, int Line) : JinjaStatement(Line);

internal sealed record IfStatement(IReadOnlyList<(JinjaExpression Condition, IReadOnlyList<JinjaStatement> Body)> Branches,
    IReadOnlyList<JinjaStatement> Else, int Line) : JinjaStatement(Line);

/// <summary><c>{% for a, b in items if cond %}...{% else %}...{% endfor %}</c>.</summary>
internal sealed record ForStatement(IReadOnlyList<string> Targets, JinjaExpression Iterable, JinjaExpression? Filter,
    IReadOnlyList<JinjaStatement> Body, IReadOnlyList<JinjaStatement> Else, int Line) : JinjaStatement(Line);

/// <summary><c>{% set name = value %}</c>, <c>{% set a, b = value %}</c> or <c>{% set ns.attr = value %}</c> (then <see cref="Attribute"/> is set).</summary>
internal sealed record SetStatement(IReadOnlyList<string> Targets, string? Attribute, JinjaExpression Value, int Line) : JinjaStatement(Line);

/// <summary><c>{% set name %}...{% endset %}</c>: captures rendered output into a variable.</summary>
internal sealed record SetBlockStatement(string Target, IReadOnlyList<JinjaStatement> Body, int Line) : JinjaStatement(Line);

internal sealed record MacroStatement(string Name, IReadOnlyList<(string Name, JinjaExpression? Default)> Parameters,
    IReadOnlyList<JinjaStatement> Body, int Line) : JinjaStatement(Line);

internal sealed record BreakStatement(int Line) : JinjaStatement(Line);

internal sealed record ContinueStatement(int Line) : JinjaStatement(Line);

internal abstract record JinjaExpression(int Line);

internal sealed record LiteralExpression(object? Value, int Line) : JinjaExpression(Line);

internal sealed record NameExpression(string Name, int Line) : JinjaExpression(Line);

internal sealed record ListExpression(IReadOnlyList<JinjaExpression> Items, int Line) : JinjaExpression(Line);

internal sealed record DictExpression(IReadOnlyList<(JinjaExpression Key, JinjaExpression Value)> Pairs, int Line) : JinjaExpression(Line);

/// <summary><c>obj.name</c>: attribute first, then item (jinja2's <c>getattr</c>).</summary>
internal sealed record AttributeExpression(JinjaExpression Target, string Name, int Line) : JinjaExpression(Line);

/// <summary><c>obj[key]</c>: item first, then attribute (jinja2's <c>getitem</c>).</summary>
internal sealed record ItemExpression(JinjaExpression Target, JinjaExpression Key, int Line) : JinjaExpression(Line);

internal sealed record SliceExpression(JinjaExpression Target, JinjaExpression? Start, JinjaExpression? Stop, JinjaExpression? Step, int Line)
    : JinjaExpression(Line);

internal sealed record CallExpression(JinjaExpression Callee, IReadOnlyList<JinjaExpression> Arguments,
    IReadOnlyList<(string Name, JinjaExpression Value)> Named, int Line) : JinjaExpression(Line);

internal sealed record FilterExpression(JinjaExpression Value, string Name, IReadOnlyList<JinjaExpression> Arguments,
    IReadOnlyList<(string Name, JinjaExpression Value)> Named, int Line) : JinjaExpression(Line);

internal sealed record TestExpression(JinjaExpression Value, string Name, IReadOnlyList<JinjaExpression> Arguments, bool Negated, int Line)
    : JinjaExpression(Line);

/// <summary><c>not x</c>, <c>-x</c>, <c>+x</c>.</summary>
internal sealed record UnaryExpression(string Operator, JinjaExpression Operand, int Line) : JinjaExpression(Line);

/// <summary>Arithmetic, <c>~</c>, <c>and</c>, <c>or</c>; <c>and</c>/<c>or</c> short-circuit and return an operand as Python does.</summary>
internal sealed record BinaryExpression(string Operator, JinjaExpression Left, JinjaExpression Right, int Line) : JinjaExpression(Line);

/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>, also <c>in</c> and <c>not in</c>.</summary>
internal sealed record CompareExpression(JinjaExpression First, IReadOnlyList<(string Operator, JinjaExpression Operand)> Rest, int Line)
    : JinjaExpression(Line);

internal sealed record ConditionalExpression(JinjaExpression Condition, JinjaExpression Then, JinjaExpression? Else, int Line)
    : JinjaExpression(Line);

using Dynamo.Orleans.Kernels.Templates;

namespace Dynamo.Orleans.Kernels.Tests.Templates;

/// <summary>The Jinja features chat templates lean on, each checked against what jinja2 (trim_blocks, lstrip_blocks) prints.</summary>
public sealed class JinjaSemanticsTests
{
    private static readonly ChatMessage[] Conversation =
    [
        new("system", "sys"),
        new("user", "  hello  "),
        new("assistant", "hi"),
        new("user", "bye"),
    ];

    private static string Render(string template, IReadOnlyDictionary<string, object?>? variables = null, bool addGenerationPrompt = false) =>
        ChatTemplate.Parse(template).Render(Conversation, addGenerationPrompt, variables);

    [Theory]
    [InlineData("{% if true %}\nyes\n{% endif %}\n", "yes\n")] // trim_blocks eats the newline after each block tag
    [InlineData("    {% if true %}\n    x\n    {% endif %}\nend", "    x\nend")] // lstrip_blocks eats the indentation before them
    [InlineData("a  {%- if true %}  b  {% endif -%}  c", "a  b  c")]
    [InlineData("a\n  {{- 'b' -}}  \n c", "abc")]
    [InlineData("x {{ 'y' }}\n{{ 'z' }}", "x y\nz")] // variable tags keep surrounding whitespace
    [InlineData("  {%+ if true %}x{% endif %}", "  x")] // '+' turns lstrip_blocks off for that tag
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")] // and trim_blocks after it
    [InlineData("a {# comment #}\nb\n", "a b")] // comments trim too; one trailing newline of the source is dropped
    [InlineData("{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}", "  1\n  2\n")]
    public void Whitespace_control_matches_jinja2(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Loop_variables()
    {
        Assert.Equal("1/0/True/False/4/4 2/1/False/False/4/3 3/2/False/False/4/2 4/3/False/True/4/1 ",
            Render("{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}/{{ loop.revindex }} {% endfor %}"));
        Assert.Equal("user:1,user:2,", Render("{% for m in messages if m.role == 'user' %}{{ m.role }}:{{ loop.index }},{% endfor %}"));
        Assert.Equal("none", Render("{% for x in [] %}{{ x }}{% else %}none{% endfor %}"));
        Assert.Equal("a=1;b=2;", Render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"));
        Assert.Equal("12", Render("{% for i in range(1, 10) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}"));
        Assert.Equal("13", Render("{% for i in [1, 2, 3] %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}"));
    }

    [Fact]
    public void Set_in_a_loop_stays_in_the_loop_but_namespace_carries_out()
    {
        Assert.Equal("0", Render("{% set n = 0 %}{% for m in messages %}{% set n = n + 1 %}{% endfor %}{{ n }}"));
        Assert.Equal("4 True", Render("{% set ns = namespace(n=0, seen=false) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% set ns.seen = true %}{% endfor %}{{ ns.n }} {{ ns.seen }}"));
        Assert.Equal("x", Render("{% if true %}{% set v = 'x' %}{% endif %}{{ v }}"));
        Assert.Equal("<b>", Render("{% set block %}<{{ 'b' }}>{% endset %}{{ block }}"));
    }

    [Fact]
    public void Tojson_is_transformers_json_dumps()
    {
        var tool = new Dictionary<string, object?>
        {
            ["name"] = "f", ["text"] = "é \"q\" \n 😀", ["n"] = 1, ["x"] = 2.5, ["ok"] = true, ["none"] = null, ["list"] = new object[] { 1, "a" }, ["empty"] = new Dictionary<string, object?>(),
        };
        var variables = new Dictionary<string, object?> { ["tool"] = tool };
        Assert.Equal("{\"name\": \"f\", \"text\": \"é \\\"q\\\" \\n 😀\", \"n\": 1, \"x\": 2.5, \"ok\": true, \"none\": null, \"list\": [1, \"a\"], \"empty\": {}}",
            Render("{{ tool | tojson }}", variables));
        Assert.Equal("{\n  \"n\": 1,\n  \"list\": [\n    1,\n    \"a\"\n  ]\n}",
            Render("{{ {'n': tool.n, 'list': tool.list} | tojson(indent=2) }}", variables));
        Assert.Equal("{\"a\": 1, \"b\": 2}", Render("{{ {'b': 2, 'a': 1} | tojson(sort_keys=true) }}"));
        Assert.Equal("\"\\u00e9\"", Render("{{ 'é' | tojson(ensure_ascii=true) }}"));
    }

    [Fact]
    public void Slicing_and_indexing()
    {
        Assert.Equal("user,assistant,user", Render("{{ messages[1:] | map(attribute='role') | join(',') }}"));
        Assert.Equal("bye|sys", Render("{{ messages[-1].content }}|{{ messages[::-1][-1]['content'] }}"));
        Assert.Equal("olleh|el|hlo|", Render("{{ 'hello'[::-1] }}|{{ 'hello'[1:3] }}|{{ 'hello'[::2] }}|{{ 'hello'[10:] }}"));
        Assert.Equal("😀b", Render("{{ 'a😀b'[1:] }}")); // Python indexes code points, not UTF-16 units
        Assert.Equal("", Render("{{ messages[10] }}"));
    }

    [Fact]
    public void Filters()
    {
        Assert.Equal("hello|5|HELLO|Hello|Hello World|4", Render("{{ messages[1].content | trim }}|{{ 'hello' | length }}|{{ 'hello' | upper }}|{{ 'hELLO' | capitalize }}|{{ 'hello world' | title }}|{{ messages | count }}"));
        Assert.Equal("sys|bye|['a', 'b']|a-b", Render("{{ (messages | first).content }}|{{ (messages | last).content }}|{{ 'ab' | list }}|{{ ['a', 'b'] | join('-') }}"));
        Assert.Equal("dflt|x|dflt", Render("{{ missing | default('dflt') }}|{{ 'x' | default('dflt') }}|{{ '' | default('dflt', true) }}"));
        Assert.Equal("2|1|a+c", Render("{{ messages | selectattr('role', 'equalto', 'user') | list | length }}|{{ messages | rejectattr('role', 'ne', 'system') | list | length }}|{{ 'a-c' | replace('-', '+') }}"));
        Assert.Equal("[3, 2, 1]|[1, 2, 3]|42|3.5|None", Render("{{ [1, 2, 3] | reverse | list }}|{{ [3, 1, 2] | sort }}|{{ '42' | int }}|{{ 7 / 2 }}|{{ none | string }}"));
        Assert.Equal("[['a', 1]]", Render("{{ {'a': 1} | items | list }}"));
    }

    [Fact]
    public void String_and_dict_methods()
    {
        Assert.Equal("[a]|[a  ]|[  a]|['a', 'b', 'c']|['a', 'b,c']|True|True|USER|x_y|User Name",
            Render("[{{ '  a  '.strip() }}]|[{{ '  a  '.lstrip() }}]|[{{ '  a  '.rstrip() }}]|{{ ' a  b\nc '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'bc')) }}|{{ 'user'.upper() }}|{{ 'x-y'.replace('-', '_') }}|{{ 'user name'.title() }}"));
        Assert.Equal("user|none|role,content|True|False",
            Render("{{ messages[1].get('role') }}|{{ messages[1].get('tool_calls', 'none') }}|{{ messages[1].keys() | join(',') }}|{{ 'role' in messages[1] }}|{{ 'tool_calls' in messages[1] }}"));
    }

    [Fact]
    public void Expressions_follow_python()
    {
        Assert.Equal("7|2|1|-1|8|2.5|ab|a1", Render("{{ 1 + 2 * 3 }}|{{ 7 // 3 }}|{{ 7 % 3 }}|{{ -7 // 4 + 1 }}|{{ 2 ** 3 }}|{{ 5 / 2 }}|{{ 'a' + 'b' }}|{{ 'a' ~ 1 }}"));
        Assert.Equal("yes|no|True|True|False", Render("{{ 'yes' if messages else 'no' }}|{{ 'yes' if not messages else 'no' }}|{{ 1 < 2 < 3 }}|{{ 'x' not in 'abc' }}|{{ none or false }}"));
        Assert.Equal("True|False|True|True|True|True|True|True|True", Render(
            "{{ missing is undefined }}|{{ missing is defined }}|{{ none is none }}|{{ 'a' is string }}|{{ {} is mapping }}|{{ [] is iterable }}|{{ 1.5 is number }}|{{ false is boolean }}|{{ 4 is divisibleby 2 }}"));
        Assert.Equal("", Render("{{ missing }}{% if missing %}x{% endif %}{% for x in missing %}y{% endfor %}"));
        Assert.Equal("a\tb\\n'\"é", Render("{{ 'a\\tb\\\\n\\'\"\\u00e9' }}"));
        Assert.Equal("[1, 'two', None, True]|{'k': [1.0]}", Render("{{ [1, 'two', none, true] }}|{{ {'k': [1.0]} }}"));
    }

    [Fact]
    public void Macros_are_callable()
    {
        Assert.Equal("<user>|<x!>", Render("{% macro tag(name, suffix='') %}<{{ name }}{{ suffix }}>{% endmacro %}{{ tag(messages[1].role) }}|{{ tag('x', suffix='!') }}"));
    }

    [Fact]
    public void Variables_and_generation_prompt_reach_the_template()
    {
        var variables = new Dictionary<string, object?> { ["bos_token"] = "<s>", ["tools"] = null };
        Assert.Equal("<s>|True|True", ChatTemplate.Parse("{{ bos_token }}|{{ tools is none }}|{{ add_generation_prompt }}").Render([], true, variables));
        Assert.Equal(DateTime.Now.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), Render("{{ strftime_now('%Y') }}"));
        Assert.Equal("05 Mar 2025 / March 5", ChatTemplate.Strftime(new DateTime(2025, 3, 5), "%d %b %Y / %B %-d"));
    }

    [Fact]
    public void Raise_exception_surfaces_the_templates_message()
    {
        var ex = Assert.Throws<ChatTemplateException>(() => Render("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"));
        Assert.Equal("System role not supported", ex.Message);
        Assert.True(ex.RaisedByTemplate);
    }

    [Theory]
    [InlineData("{% if true %}\nno end", 2, 7, "'{% endif %}' to close the tag opened at line 1, column 1")]
    [InlineData("line one\n{{ messages[0 }}", 2, 15, "expected ']'")]
    [InlineData("a\n\n  {% for x messages %}{% endfor %}", 3, 12, "expected 'in'")]
    [InlineData("{{ 'unterminated }}", 1, 4, "unterminated string")]
    [InlineData("{% frobnicate %}", 1, 4, "unknown tag 'frobnicate'")]
    [InlineData("{{ 1 + }}", 1, 8, "expected an expression")]
    public void Syntax_errors_name_line_and_column(string template, int line, int column, string expected)
    {
        var ex = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(template));
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
        Assert.StartsWith($"line {line}, column {column}: ", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Render_errors_name_the_line()
    {
        var ex = Assert.Throws<ChatTemplateException>(() => Render("ok\n{{ messages[0].content + 1 }}"));
        Assert.Equal(2, ex.Line);
        Assert.Contains("unsupported operand", ex.Message);
        Assert.False(ex.RaisedByTemplate);
    }
}

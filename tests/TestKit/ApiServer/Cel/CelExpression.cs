using System.Globalization;
using System.Text;

namespace Flamewatch.TestKit.ApiServer.Cel;

/// <summary>
/// The CEL subset the test API server evaluates for <c>x-kubernetes-validations</c> (see docs/kubernetes-client.md):
/// literals (int, double, string, bool, null, lists), <c>self</c>, field access and indexing, <c>has()</c>,
/// <c>! - * / % + - &lt; &lt;= &gt; &gt;= == != in &amp;&amp; || ?:</c>, <c>size()</c>, <c>duration()</c>, <c>timestamp()</c>,
/// <c>int()</c>, <c>double()</c>, <c>string()</c>, <c>matches/startsWith/endsWith/contains</c>, and the macros
/// <c>all</c>, <c>exists</c>, <c>exists_one</c>. Transition rules (<c>oldSelf</c>) are rejected at compile time.
/// </summary>
public sealed class CelExpression
{
    private readonly Node _root;

    private CelExpression(string source, Node root)
    {
        Source = source;
        _root = root;
    }

    public string Source { get; }

    /// <exception cref="CelException">The rule is not in the supported subset or does not parse.</exception>
    public static CelExpression Compile(string source) => new(source, new Parser(source).ParseAll());

    /// <summary>Evaluates with <c>self</c> bound to a value converted from JSON (see <see cref="CelValues.FromJson"/>).</summary>
    /// <exception cref="CelException">Evaluation failed (no such key, type mismatch, ...).</exception>
    public object? Evaluate(object? self) => _root.Eval(new Scope(null, "self", self));

    internal sealed record Scope(Scope? Parent, string Name, object? Value)
    {
        public bool TryGet(string name, out object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Name == name)
                {
                    value = s.Value;
                    return true;
                }
            }

            value = null;
            return false;
        }
    }

    internal abstract record Node
    {
        public abstract object? Eval(Scope scope);
    }

    private sealed record Literal(object? Value) : Node
    {
        public override object? Eval(Scope scope) => Value;
    }

    private sealed record Ident(string Name) : Node
    {
        public override object? Eval(Scope scope) => scope.TryGet(Name, out var v) ? v : throw new CelException($"undeclared reference to '{Name}'");
    }

    private sealed record ListNode(IReadOnlyList<Node> Items) : Node
    {
        public override object? Eval(Scope scope) => Items.Select(i => i.Eval(scope)).ToList();
    }

    private sealed record Member(Node Target, string Field) : Node
    {
        public override object? Eval(Scope scope) => Target.Eval(scope) switch
        {
            IReadOnlyDictionary<string, object?> map => map.TryGetValue(Field, out var v) ? v : throw new CelException($"no such key: {Field}"),
            _ => throw new CelException($"no such key: {Field}"),
        };
    }

    private sealed record Index(Node Target, Node Key) : Node
    {
        public override object? Eval(Scope scope)
        {
            var target = Target.Eval(scope);
            var key = Key.Eval(scope);
            return (target, key) switch
            {
                (IReadOnlyList<object?> list, long i) => i >= 0 && i < list.Count ? list[(int)i] : throw new CelException($"index out of bounds: {i}"),
                (IReadOnlyDictionary<string, object?> map, string k) => map.TryGetValue(k, out var v) ? v : throw new CelException($"no such key: {k}"),
                _ => throw new CelException("no such overload for index"),
            };
        }
    }

    private sealed record Has(Node Target, string Field) : Node
    {
        public override object? Eval(Scope scope) => Target.Eval(scope) is IReadOnlyDictionary<string, object?> map && map.ContainsKey(Field);
    }

    private sealed record Unary(string Op, Node Operand) : Node
    {
        public override object? Eval(Scope scope) => (Op, Operand.Eval(scope)) switch
        {
            ("!", bool b) => !b,
            ("-", long l) => -l,
            ("-", double d) => -d,
            ("-", TimeSpan t) => -t,
            _ => throw new CelException($"no such overload for unary {Op}"),
        };
    }

    private sealed record Conditional(Node Test, Node Then, Node Else) : Node
    {
        public override object? Eval(Scope scope) => Test.Eval(scope) is bool b ? (b ? Then.Eval(scope) : Else.Eval(scope)) : throw new CelException("condition is not a bool");
    }

    private sealed record Logical(string Op, Node Left, Node Right) : Node
    {
        public override object? Eval(Scope scope)
        {
            // CEL's commutative error handling: an error on one side is absorbed if the other side decides.
            object? l;
            CelException? lError = null;
            try
            {
                l = Left.Eval(scope);
            }
            catch (CelException e)
            {
                l = null;
                lError = e;
            }

            var decisive = Op == "||";
            if (l is bool lb && lb == decisive)
            {
                return decisive;
            }

            var r = Right.Eval(scope);
            if (r is bool rb && rb == decisive)
            {
                return decisive;
            }

            if (lError is not null)
            {
                throw lError;
            }

            return l is bool && r is bool ? !decisive : throw new CelException($"no such overload for {Op}");
        }
    }

    private sealed record Binary(string Op, Node Left, Node Right) : Node
    {
        public override object? Eval(Scope scope) => CelValues.Binary(Op, Left.Eval(scope), Right.Eval(scope));
    }

    private sealed record Call(Node? Target, string Function, IReadOnlyList<Node> Args) : Node
    {
        public override object? Eval(Scope scope)
        {
            var target = Target?.Eval(scope);
            var args = Args.Select(a => a.Eval(scope)).ToList();
            return CelValues.Call(Function, target, Target is not null, args);
        }
    }

    private sealed record Comprehension(Node Target, string Macro, string Var, Node Predicate) : Node
    {
        public override object? Eval(Scope scope)
        {
            var target = Target.Eval(scope);
            IEnumerable<object?> items = target switch
            {
                IReadOnlyList<object?> list => list,
                IReadOnlyDictionary<string, object?> map => map.Keys,
                _ => throw new CelException($"{Macro}() needs a list or map"),
            };
            var count = 0;
            foreach (var item in items)
            {
                var result = Predicate.Eval(new Scope(scope, Var, item)) as bool? ?? throw new CelException($"{Macro}() predicate is not a bool");
                switch (Macro)
                {
                    case "all" when !result:
                        return false;
                    case "exists" when result:
                        return true;
                    case "exists_one" when result:
                        count++;
                        break;
                }
            }

            return Macro switch
            {
                "all" => true,
                "exists" => false,
                _ => count == 1,
            };
        }
    }

    private sealed class Parser(string text)
    {
        private readonly List<(string Kind, string Text, object? Value)> _tokens = Lex(text);
        private int _pos;

        public Node ParseAll()
        {
            var node = ParseExpr();
            if (Peek().Kind != "eof")
            {
                throw new CelException($"compilation failed: unexpected '{Peek().Text}'");
            }

            return node;
        }

        private (string Kind, string Text, object? Value) Peek() => _tokens[_pos];

        private bool Accept(string text)
        {
            if (Peek().Kind == "op" && Peek().Text == text)
            {
                _pos++;
                return true;
            }

            return false;
        }

        private void Expect(string text)
        {
            if (!Accept(text))
            {
                throw new CelException($"compilation failed: expected '{text}' but found '{Peek().Text}'");
            }
        }

        private Node ParseExpr()
        {
            var test = ParseOr();
            if (!Accept("?"))
            {
                return test;
            }

            var then = ParseOr();
            Expect(":");
            return new Conditional(test, then, ParseExpr());
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (Accept("||"))
            {
                left = new Logical("||", left, ParseAnd());
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseRelation();
            while (Accept("&&"))
            {
                left = new Logical("&&", left, ParseRelation());
            }

            return left;
        }

        private Node ParseRelation()
        {
            var left = ParseAdditive();
            while (true)
            {
                var t = Peek();
                if ((t.Kind == "op" && t.Text is "<" or "<=" or ">" or ">=" or "==" or "!=") || (t.Kind == "ident" && t.Text == "in"))
                {
                    _pos++;
                    left = new Binary(t.Text, left, ParseAdditive());
                }
                else
                {
                    return left;
                }
            }
        }

        private Node ParseAdditive()
        {
            var left = ParseMultiplicative();
            while (Peek() is { Kind: "op", Text: "+" or "-" } t)
            {
                _pos++;
                left = new Binary(t.Text, left, ParseMultiplicative());
            }

            return left;
        }

        private Node ParseMultiplicative()
        {
            var left = ParseUnary();
            while (Peek() is { Kind: "op", Text: "*" or "/" or "%" } t)
            {
                _pos++;
                left = new Binary(t.Text, left, ParseUnary());
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (Accept("!"))
            {
                return new Unary("!", ParseUnary());
            }

            if (Accept("-"))
            {
                return new Unary("-", ParseUnary());
            }

            return ParsePostfix(ParsePrimary());
        }

        private Node ParsePostfix(Node node)
        {
            while (true)
            {
                if (Accept("."))
                {
                    var name = ExpectIdent();
                    if (Accept("("))
                    {
                        if (name is "all" or "exists" or "exists_one")
                        {
                            var variable = ExpectIdent();
                            Expect(",");
                            var predicate = ParseExpr();
                            Expect(")");
                            node = new Comprehension(node, name, variable, predicate);
                        }
                        else
                        {
                            node = new Call(node, name, ParseArgs());
                        }
                    }
                    else
                    {
                        node = new Member(node, name);
                    }
                }
                else if (Accept("["))
                {
                    var key = ParseExpr();
                    Expect("]");
                    node = new Index(node, key);
                }
                else
                {
                    return node;
                }
            }
        }

        private List<Node> ParseArgs()
        {
            var args = new List<Node>();
            if (Accept(")"))
            {
                return args;
            }

            do
            {
                args.Add(ParseExpr());
            }
            while (Accept(","));
            Expect(")");
            return args;
        }

        private string ExpectIdent()
        {
            var t = Peek();
            if (t.Kind != "ident")
            {
                throw new CelException($"compilation failed: expected an identifier but found '{t.Text}'");
            }

            _pos++;
            return t.Text;
        }

        private Node ParsePrimary()
        {
            var t = Peek();
            _pos++;
            switch (t.Kind)
            {
                case "literal":
                    return new Literal(t.Value);
                case "ident" when t.Text is "true" or "false":
                    return new Literal(t.Text == "true");
                case "ident" when t.Text == "null":
                    return new Literal(null);
                case "ident" when t.Text == "oldSelf":
                    throw new CelException("compilation failed: transition rules (oldSelf) are not supported by the test API server");
                case "ident" when t.Text == "has":
                    Expect("(");
                    var arg = ParsePostfix(ParsePrimary());
                    Expect(")");
                    return arg is Member m ? new Has(m.Target, m.Field) : throw new CelException("compilation failed: invalid argument to has() macro");
                case "ident" when Accept("("):
                    return new Call(null, t.Text, ParseArgs());
                case "ident":
                    return new Ident(t.Text);
                case "op" when t.Text == "(":
                    var inner = ParseExpr();
                    Expect(")");
                    return inner;
                case "op" when t.Text == "[":
                    var items = new List<Node>();
                    if (!Accept("]"))
                    {
                        do
                        {
                            items.Add(ParseExpr());
                        }
                        while (Accept(","));
                        Expect("]");
                    }

                    return new ListNode(items);
                default:
                    throw new CelException($"compilation failed: unexpected '{t.Text}'");
            }
        }

        private static List<(string, string, object?)> Lex(string s)
        {
            var tokens = new List<(string, string, object?)>();
            var i = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (char.IsAsciiLetter(c) || c == '_')
                {
                    var start = i;
                    while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
                    {
                        i++;
                    }

                    tokens.Add(("ident", s[start..i], null));
                }
                else if (char.IsAsciiDigit(c))
                {
                    var start = i;
                    while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.' || s[i] is 'e' or 'E'))
                    {
                        i++;
                    }

                    var n = s[start..i];
                    if (i < s.Length && s[i] == 'u')
                    {
                        i++;
                    }

                    tokens.Add(("literal", n, n.Contains('.') || n.Contains('e') || n.Contains('E')
                        ? (object)double.Parse(n, CultureInfo.InvariantCulture)
                        : long.Parse(n, CultureInfo.InvariantCulture)));
                }
                else if (c is '"' or '\'')
                {
                    var sb = new StringBuilder();
                    i++;
                    while (i < s.Length && s[i] != c)
                    {
                        if (s[i] == '\\' && i + 1 < s.Length)
                        {
                            i++;
                            sb.Append(s[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => s[i] });
                        }
                        else
                        {
                            sb.Append(s[i]);
                        }

                        i++;
                    }

                    if (i >= s.Length)
                    {
                        throw new CelException("compilation failed: unterminated string literal");
                    }

                    i++;
                    tokens.Add(("literal", sb.ToString(), sb.ToString()));
                }
                else
                {
                    var two = i + 1 < s.Length ? s.Substring(i, 2) : "";
                    if (two is "&&" or "||" or "==" or "!=" or "<=" or ">=")
                    {
                        tokens.Add(("op", two, null));
                        i += 2;
                    }
                    else if ("!<>+-*/%?:.,()[]".Contains(c, StringComparison.Ordinal))
                    {
                        tokens.Add(("op", c.ToString(), null));
                        i++;
                    }
                    else
                    {
                        throw new CelException($"compilation failed: unexpected character '{c}'");
                    }
                }
            }

            tokens.Add(("eof", "<end>", null));
            return tokens;
        }
    }
}

using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Selectors;
using Flamewatch.TestKit;
using Flamewatch.TestKit.ApiServer.Cel;
using k8s.Models;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

public sealed class SelectorTests
{
    private static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (web, db)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (x)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("app=web,tier=back", false)]
    [InlineData("app=web, !canary", true)]
    public void Label_selector_query_grammar(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelectorExpression.Parse(selector).Matches(Labels));

    [Theory]
    [InlineData("app=")]
    [InlineData("app in web")]
    [InlineData("app in (web")]
    [InlineData("=x")]
    public void Malformed_selectors_are_format_errors(string selector)
    {
        if (selector == "app=")
        {
            Assert.False(LabelSelectorExpression.Parse(selector).Matches(Labels)); // empty value is legal and matches only ""
            return;
        }

        Assert.Throws<FormatException>(() => LabelSelectorExpression.Parse(selector));
    }

    [Fact]
    public void Label_selector_object_semantics()
    {
        Assert.False(LabelSelectorExpression.FromLabelSelector(null).Matches(Labels));
        Assert.True(LabelSelectorExpression.FromLabelSelector(new V1LabelSelector()).Matches(Labels));
        var selector = new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "web" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["front", "back"] }],
        };
        Assert.True(LabelSelectorExpression.FromLabelSelector(selector).Matches(Labels));
        Assert.Equal("app=web,tier in (front,back)", LabelSelectorExpression.FromLabelSelector(selector).ToString());
        Assert.Throws<FormatException>(() => LabelSelectorExpression.FromLabelSelector(new V1LabelSelector { MatchExpressions = [new() { Key = "a", OperatorProperty = "In" }] }));
        Assert.Throws<FormatException>(() => LabelSelectorExpression.FromLabelSelector(new V1LabelSelector { MatchExpressions = [new() { Key = "a", OperatorProperty = "Near", Values = ["x"] }] }));
    }

    [Fact]
    public void Field_selector()
    {
        var fields = new Dictionary<string, string> { ["spec.nodeName"] = "node-1", ["metadata.name"] = "web" };
        Assert.True(FieldSelectorExpression.Parse("spec.nodeName=node-1,metadata.name!=db").Matches(fields.GetValueOrDefault));
        Assert.False(FieldSelectorExpression.Parse("spec.nodeName==node-2").Matches(fields.GetValueOrDefault));
        Assert.Throws<FormatException>(() => FieldSelectorExpression.Parse("spec.nodeName"));
    }
}

public sealed class CelTests
{
    private static object? Eval(string rule, string selfJson) => CelExpression.Compile(rule).Evaluate(CelValues.FromJson(JsonNode.Parse(selfJson)));

    [Theory]
    [InlineData("duration(self.uploadTimeout) < duration(self.period)", """{"uploadTimeout":"10s","period":"45s"}""", true)]
    [InlineData("duration(self.uploadTimeout) < duration(self.period)", """{"uploadTimeout":"1m","period":"45s"}""", false)]
    [InlineData("has(self.a) || size(self.b) > 1", """{"b":[1,2]}""", true)]
    [InlineData("self.operator in ['In','NotIn'] ? (has(self.values) && size(self.values) > 0) : !has(self.values)", """{"operator":"In","values":["x"]}""", true)]
    [InlineData("self.operator in ['In','NotIn'] ? (has(self.values) && size(self.values) > 0) : !has(self.values)", """{"operator":"Exists","values":["x"]}""", false)]
    [InlineData("self.all(k, k.startsWith('team'))", """{"team-a":"1","teamB":"2"}""", true)]
    [InlineData("self.items.exists(i, i.n == 2) && self.items.exists_one(i, i.n > 1)", """{"items":[{"n":1},{"n":2}]}""", true)]
    [InlineData("self.name.matches('^[a-z]+$') && self.count * 2 + 1 == 7 && self.ratio >= 0.5", """{"name":"web","count":3,"ratio":0.5}""", true)]
    [InlineData("!(self.x == null) && self.list[1] == 'b' && self.map['k'] == 'v'", """{"x":1,"list":["a","b"],"map":{"k":"v"}}""", true)]
    [InlineData("has(self.missing) && self.missing > 1", """{}""", false)]
    public void Evaluates_the_supported_subset(string rule, string self, bool expected) => Assert.Equal(expected, Eval(rule, self));

    [Fact]
    public void Missing_field_is_an_evaluation_error_and_unsupported_syntax_a_compile_error()
    {
        Assert.Throws<CelException>(() => Eval("self.missing > 1", "{}"));
        Assert.Throws<CelException>(() => Eval("duration(self.p) > duration('1x')", """{"p":"1s"}"""));
        Assert.Throws<CelException>(() => CelExpression.Compile("self.x == oldSelf.x"));
        Assert.Throws<CelException>(() => CelExpression.Compile("self.x ="));
        Assert.Throws<CelException>(() => CelExpression.Compile("self.x ~ 1"));
    }
}

public sealed class YamlJsonTests
{
    [Fact]
    public void Yaml_manifests_convert_with_kubernetes_scalar_typing()
    {
        var docs = YamlJson.ParseDocuments("""
            a: 1
            b: "1"
            c: true
            d: 1.5
            e: 45s
            f: ~
            ---
            x: [1, two]
            """);
        Assert.Equal(2, docs.Count);
        Assert.Equal("""{"a":1,"b":"1","c":true,"d":1.5,"e":"45s","f":null}""", docs[0].ToJsonString());
        Assert.Equal("""{"x":[1,"two"]}""", docs[1].ToJsonString());
    }
}

using Flamewatch.Contracts.Api.V1Alpha1;
using k8s.Models;

namespace Flamewatch.Contracts.Tests;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Pod = new() { ["app"] = "checkout", ["tier"] = "api" };

    private static V1LabelSelector Expression(string key, string op, params string[] values) =>
        new() { MatchExpressions = [new() { Key = key, OperatorProperty = op, Values = values.Length > 0 ? [.. values] : null }] };

    public static TheoryData<string, V1LabelSelector, bool> Cases => new()
    {
        { "empty selects all", new V1LabelSelector(), true },
        { "matchLabels equal", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "checkout" } }, true },
        { "matchLabels differ", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "orders" } }, false },
        { "matchLabels missing key", new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = "x" } }, false },
        { "In hit", Expression("tier", "In", "api", "worker"), true },
        { "In miss", Expression("tier", "In", "worker"), false },
        { "In absent key", Expression("track", "In", "canary"), false },
        { "NotIn hit", Expression("tier", "NotIn", "api"), false },
        { "NotIn absent key matches", Expression("track", "NotIn", "canary"), true },
        { "Exists", Expression("tier", "Exists"), true },
        { "Exists absent", Expression("track", "Exists"), false },
        { "DoesNotExist", Expression("track", "DoesNotExist"), true },
        { "DoesNotExist present", Expression("app", "DoesNotExist"), false },
        {
            "labels and expressions are ANDed",
            new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "checkout" }, MatchExpressions = [new() { Key = "tier", OperatorProperty = "In", Values = ["worker"] }] },
            false
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_like_kubernetes(string name, V1LabelSelector selector, bool expected)
    {
        Assert.Null(selector.Validate());
        Assert.True(expected == selector.Matches(Pod), name);
    }

    [Fact]
    public void A_pod_without_labels_matches_only_selectors_that_ask_for_absence()
    {
        Assert.True(new V1LabelSelector().Matches(null));
        Assert.True(Expression("a", "DoesNotExist").Matches(null));
        Assert.False(Expression("a", "Exists").Matches(null));
    }
}

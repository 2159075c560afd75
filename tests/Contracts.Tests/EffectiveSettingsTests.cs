using Flamewatch.Contracts.Api.V1Alpha1;
using k8s.Models;

namespace Flamewatch.Contracts.Tests;

public sealed class EffectiveSettingsTests
{
    private static V1Alpha1ContinuousProfileSpec Spec() => new() { Selector = new V1LabelSelector() };

    [Fact]
    public void An_empty_spec_gets_the_crd_defaults_and_the_resource_name()
    {
        var result = EffectiveSettings.FromSpec(Spec(), "checkout");

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var annotations = result.Settings.ToAnnotations("checkout");
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["flamewatch.io/enabled"] = "true",
                ["flamewatch.io/application-name"] = "checkout",
                ["flamewatch.io/period"] = "45s",
                ["flamewatch.io/upload-timeout"] = "10s",
                ["flamewatch.io/sampling-frequency"] = "100",
                ["flamewatch.io/profile-types"] = "cpu,wall,allocations,allocatedMemory,heapLiveSize",
                ["flamewatch.io/labels"] = "{}",
                ["flamewatch.io/managed-by"] = "checkout",
            },
            annotations);
    }

    [Fact]
    public void Explicit_values_win_and_labels_are_written_sorted()
    {
        var spec = Spec();
        spec.ApplicationName = "orders";
        spec.Period = "2m";
        spec.UploadTimeout = "20s";
        spec.SamplingFrequency = 50;
        spec.ProfileTypes = ["wall", "cpu"];
        spec.Labels = new() { ["team"] = "orders", ["env"] = "prod" };

        var result = EffectiveSettings.FromSpec(spec, "orders-backend");

        Assert.True(result.IsValid);
        var annotations = result.Settings.ToAnnotations("orders-backend");
        Assert.Equal("orders", annotations[FlamewatchAnnotations.ApplicationName]);
        Assert.Equal("2m", annotations[FlamewatchAnnotations.Period]);
        Assert.Equal("20s", annotations[FlamewatchAnnotations.UploadTimeout]);
        Assert.Equal("50", annotations[FlamewatchAnnotations.SamplingFrequency]);
        Assert.Equal("cpu,wall", annotations[FlamewatchAnnotations.ProfileTypes]);
        Assert.Equal("""{"env":"prod","team":"orders"}""", annotations[FlamewatchAnnotations.Labels]);
    }

    public static TheoryData<Action<V1Alpha1ContinuousProfileSpec>, string> InvalidSpecs => new()
    {
        { s => s.Period = "5s", "spec.period" },
        { s => s.Period = "-1s", "spec.period" },
        { s => s.UploadTimeout = "45s", "spec.uploadTimeout" },
        { s => s.Period = "10s", "spec.uploadTimeout" },
        { s => s.SamplingFrequency = 0, "spec.samplingFrequency" },
        { s => s.ProfileTypes = ["cpu", "gpu"], "spec.profileTypes" },
        { s => s.ApplicationName = new string('a', 101), "spec.applicationName" },
        { s => s.Labels = Enumerable.Range(0, 33).ToDictionary(i => $"k{i}", _ => "v"), "spec.labels" },
        { s => s.Selector = null, "spec.selector" },
        { s => s.Selector = new() { MatchExpressions = [new() { Key = "tier", OperatorProperty = "In" }] }, "spec.selector.matchExpressions[0].values" },
        { s => s.Selector = new() { MatchExpressions = [new() { Key = "tier", OperatorProperty = "Like", Values = ["a"] }] }, "spec.selector.matchExpressions[0].operator" },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void An_invalid_field_is_named(Action<V1Alpha1ContinuousProfileSpec> mutate, string field)
    {
        var spec = Spec();
        mutate(spec);

        var result = EffectiveSettings.FromSpec(spec, "p");

        Assert.Equal(field, Assert.Single(result.Errors).Source);
        Assert.True(result.Settings.UploadTimeout < result.Settings.Period);
    }
}

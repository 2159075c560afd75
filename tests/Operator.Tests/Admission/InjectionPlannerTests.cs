using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Operator.Admission;
using Flamewatch.TestKit;
using k8s.Models;

namespace Flamewatch.Operator.Tests.Admission;

public sealed class InjectionPlannerTests
{
    private const string Ns = "shop";

    [Theory]
    [InlineData(100, "A")]
    [InlineData(50, "14")]
    [InlineData(61, "10")]
    [InlineData(19, "35")]
    [InlineData(1, "3E8")]
    [InlineData(1000, "1")]
    [InlineData(999, "1")]
    public void Frequency_becomes_whole_milliseconds_in_hexadecimal(int hertz, string expected) =>
        Assert.Equal(expected, InjectionPlanner.IntervalHex(hertz));

    [Fact]
    public void A_selected_pod_gets_the_variable_in_every_app_container_and_the_marker_annotation()
    {
        var pod = Pod(labels: new() { ["app"] = "checkout" }, containers: [Container("app"), Container("sidecar", ("OTHER", "1"))]);
        pod["spec"]!["initContainers"] = new JsonArray(Container("init"));

        var plan = InjectionPlanner.Plan(pod, Ns, [Profile("checkout", "app", "checkout", frequency: 50)]);

        Assert.Equal(InjectionOutcome.Injected, plan.Outcome);
        Assert.Equal("14", plan.Value);
        Assert.Equal(["app", "sidecar"], plan.Containers);
        var patched = Patched(pod, plan);
        Assert.Equal("14", Env(patched, 0, InjectionPlanner.Variable));
        Assert.Equal("14", Env(patched, 1, InjectionPlanner.Variable));
        Assert.Equal("1", Env(patched, 1, "OTHER"));
        Assert.Null(patched["spec"]!["initContainers"]![0]!["env"]);
        Assert.Equal("14", patched["metadata"]!["annotations"]![FlamewatchAnnotations.SamplingRateInjected]!.GetValue<string>());
    }

    [Fact]
    public void Existing_annotations_are_kept_and_the_marker_added_beside_them()
    {
        var pod = Pod(labels: new() { ["app"] = "checkout" }, containers: [Container("app")]);
        pod["metadata"]!["annotations"] = new JsonObject { ["team"] = "payments" };

        var patched = Patched(pod, InjectionPlanner.Plan(pod, Ns, [Profile("checkout", "app", "checkout")]));

        Assert.Equal("payments", patched["metadata"]!["annotations"]!["team"]!.GetValue<string>());
        Assert.Equal("A", patched["metadata"]!["annotations"]![FlamewatchAnnotations.SamplingRateInjected]!.GetValue<string>());
    }

    [Fact]
    public void A_container_that_sets_the_variable_itself_is_left_alone()
    {
        var pod = Pod(labels: new() { ["app"] = "checkout" }, containers: [Container("app", (InjectionPlanner.Variable, "14")), Container("legacy", (InjectionPlanner.LegacyVariable, "5")), Container("new")]);

        var plan = InjectionPlanner.Plan(pod, Ns, [Profile("checkout", "app", "checkout")]);

        Assert.Equal(["new"], plan.Containers);
        var patched = Patched(pod, plan);
        Assert.Equal("14", Env(patched, 0, InjectionPlanner.Variable));
        Assert.Null(Env(patched, 1, InjectionPlanner.Variable));
        Assert.Equal("A", Env(patched, 2, InjectionPlanner.Variable));
    }

    [Fact]
    public void When_every_container_sets_it_nothing_changes()
    {
        var pod = Pod(labels: new() { ["app"] = "checkout" }, containers: [Container("app", (InjectionPlanner.Variable, "14"))]);

        var plan = InjectionPlanner.Plan(pod, Ns, [Profile("checkout", "app", "checkout")]);

        Assert.Equal(InjectionOutcome.AlreadySet, plan.Outcome);
        Assert.Null(plan.Patch);
    }

    [Fact]
    public void The_oldest_selecting_profile_decides_the_rate()
    {
        var pod = Pod(labels: new() { ["app"] = "checkout" }, containers: [Container("app")]);
        var older = Profile("older", "app", "checkout", frequency: 50, created: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var newer = Profile("newer", "app", "checkout", frequency: 100, created: new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));

        var plan = InjectionPlanner.Plan(pod, Ns, [newer, older]);

        Assert.Equal("14", plan.Value);
        Assert.Contains("ContinuousProfile older", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Suspended_invalid_deleting_and_other_namespace_profiles_do_not_select()
    {
        var pod = Pod(labels: new() { ["app"] = "checkout" }, containers: [Container("app")]);
        var suspended = Profile("suspended", "app", "checkout");
        suspended.Spec.Suspend = true;
        var invalid = Profile("invalid", "app", "checkout");
        invalid.Spec.Period = "45s";
        invalid.Spec.UploadTimeout = "1m";
        var deleting = Profile("deleting", "app", "checkout");
        deleting.Metadata.DeletionTimestamp = DateTime.UtcNow;
        var elsewhere = Profile("elsewhere", "app", "checkout");
        elsewhere.Metadata.NamespaceProperty = "other";
        var unmatched = Profile("unmatched", "app", "cart");

        var plan = InjectionPlanner.Plan(pod, Ns, [suspended, invalid, deleting, elsewhere, unmatched]);

        Assert.Equal(InjectionOutcome.NotSelected, plan.Outcome);
        Assert.Null(plan.Patch);
    }

    [Fact]
    public void A_hand_opt_in_uses_its_own_frequency_annotation_without_any_profile()
    {
        var pod = Pod(labels: [], containers: [Container("app")]);
        pod["metadata"]!["annotations"] = new JsonObject { [FlamewatchAnnotations.Enabled] = "true", [FlamewatchAnnotations.SamplingFrequency] = "20" };

        var plan = InjectionPlanner.Plan(pod, Ns, []);

        Assert.Equal(InjectionOutcome.Injected, plan.Outcome);
        Assert.Equal("32", plan.Value);
    }

    [Fact]
    public void A_hand_opt_out_wins_over_a_selecting_profile()
    {
        var pod = Pod(labels: new() { ["app"] = "checkout" }, containers: [Container("app")]);
        pod["metadata"]!["annotations"] = new JsonObject { [FlamewatchAnnotations.Enabled] = "false" };

        var plan = InjectionPlanner.Plan(pod, Ns, [Profile("checkout", "app", "checkout")]);

        Assert.Equal(InjectionOutcome.OptedOut, plan.Outcome);
        Assert.Null(plan.Patch);
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"metadata":"x","spec":[]}""")]
    [InlineData("""{"metadata":{"labels":{"app":5}},"spec":{"containers":[7,{"env":"x"}]}}""")]
    public void Malformed_pods_never_throw(string json)
    {
        var plan = InjectionPlanner.Plan(JsonNode.Parse(json)!.AsObject(), Ns, [Profile("all", "app", "checkout"), Profile("every", null, null)]);

        Assert.NotEqual(InjectionOutcome.Error, plan.Outcome);
    }

    private static JsonObject Patched(JsonObject pod, InjectionPlan plan)
    {
        Assert.NotNull(plan.Patch);
        return JsonPatches.Apply(pod, plan.Patch!)!.AsObject();
    }

    private static string? Env(JsonObject pod, int container, string name) =>
        pod["spec"]!["containers"]![container]!["env"]?.AsArray().FirstOrDefault(e => e!["name"]!.GetValue<string>() == name)?["value"]?.GetValue<string>();

    private static JsonObject Pod(Dictionary<string, string> labels, JsonObject[] containers) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = "p", ["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))) },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(containers.Cast<JsonNode?>().ToArray()) },
    };

    private static JsonObject Container(string name, params (string Name, string Value)[] env)
    {
        var container = new JsonObject { ["name"] = name, ["image"] = "example/app:1" };
        if (env.Length > 0)
        {
            container["env"] = new JsonArray(env.Select(e => (JsonNode?)new JsonObject { ["name"] = e.Name, ["value"] = e.Value }).ToArray());
        }

        return container;
    }

    private static V1Alpha1ContinuousProfile Profile(string name, string? labelKey, string? labelValue, int? frequency = null, DateTime? created = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns, CreationTimestamp = created ?? new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc) },
        Spec = new V1Alpha1ContinuousProfileSpec
        {
            Selector = new V1LabelSelector { MatchLabels = labelKey is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [labelKey] = labelValue! } },
            SamplingFrequency = frequency,
        },
    };
}

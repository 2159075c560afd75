using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Flamewatch.Contracts.Api;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Operator.Planning;
using Flamewatch.Settings;
using Flamewatch.TestKit;
using k8s.Models;

namespace Flamewatch.Operator.Tests.Planning;

/// <summary>
/// One named planner case: <c>testdata/reconcile/&lt;case&gt;/input.yaml</c> (the clock, the profile, the other
/// profiles and the pods of its namespace as Kubernetes objects) and <c>expected.json</c> (the plan).
/// </summary>
internal sealed class PlannerFixture
{
    public static readonly string Directory = RepositoryFiles.PathOf("tests/Operator.Tests/testdata/reconcile");

    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public required DateTimeOffset Now { get; init; }

    public required V1Alpha1ContinuousProfile Profile { get; init; }

    public required IReadOnlyList<V1Alpha1ContinuousProfile> OtherProfiles { get; init; }

    public required IReadOnlyList<PodSnapshot> Pods { get; init; }

    public static IEnumerable<string> CaseNames() =>
        System.IO.Directory.EnumerateDirectories(Directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static PlannerFixture Load(string caseName)
    {
        var input = YamlJson.ParseDocuments(File.ReadAllText(Path.Combine(Directory, caseName, "input.yaml")))[0];
        return new PlannerFixture
        {
            Now = DateTimeOffset.Parse(input["now"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
            Profile = input["profile"].Deserialize<V1Alpha1ContinuousProfile>(Options)!,
            OtherProfiles = input["otherProfiles"]?.Deserialize<List<V1Alpha1ContinuousProfile>>(Options) ?? [],
            Pods = (input["pods"]?.Deserialize<List<FixturePod>>(Options) ?? []).Select(p => p.ToSnapshot()).ToList(),
        };
    }

    public static JsonNode? Expected(string caseName)
    {
        var path = Path.Combine(Directory, caseName, "expected.json");
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
    }

    public static void WriteExpected(string caseName, JsonNode plan) =>
        File.WriteAllText(Path.Combine(Directory, caseName, "expected.json"), plan.ToJsonString(Options) + "\n");

    /// <summary>The plan as the fixture's expected.json spells it.</summary>
    public static JsonNode ToJson(AnnotationPlan plan) => new JsonObject
    {
        ["finalizer"] = plan.Finalizer.ToString(),
        ["podPatches"] = new JsonArray(plan.PodPatches.Select(p => (JsonNode)new JsonObject
        {
            ["pod"] = p.Name,
            ["kind"] = p.Kind.ToString(),
            ["mergePatch"] = JsonNode.Parse(p.ToMergePatchJson()),
        }).ToArray()),
        ["status"] = plan.Status is null ? null : JsonSerializer.SerializeToNode(plan.Status, Options),
        ["events"] = new JsonArray(plan.Events.Select(e => JsonSerializer.SerializeToNode(e, Options)).ToArray()),
    };

    private sealed class FixturePod
    {
        [JsonPropertyName("metadata")]
        public V1ObjectMeta Metadata { get; set; } = new();

        [JsonPropertyName("spec")]
        public V1PodSpec? Spec { get; set; }

        [JsonPropertyName("status")]
        public V1PodStatus? Status { get; set; }

        public PodSnapshot ToSnapshot() => new(
            Metadata.NamespaceProperty ?? "default",
            Metadata.Name!,
            Metadata.ResourceVersion,
            new Dictionary<string, string>(Metadata.Labels ?? new Dictionary<string, string>()),
            new Dictionary<string, string>(Metadata.Annotations ?? new Dictionary<string, string>()),
            Status?.Phase ?? "Running",
            Metadata.DeletionTimestamp is not null,
            Spec?.Containers?.Select(c => c.Env?.LastOrDefault(e => e.Name == SamplingRateVariable.Name)?.Value).ToList());
    }
}

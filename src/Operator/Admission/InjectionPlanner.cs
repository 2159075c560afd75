using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Operator.Planning;
using Flamewatch.Settings;

namespace Flamewatch.Operator.Admission;

/// <summary>
/// The pure half of the admission webhook: a pod being created (as the API server sends it) and the
/// ContinuousProfiles of its namespace → the JSON patch that makes its .NET runtime sample at the wanted rate from
/// the start. No I/O, no clock. The pod's settings come from the oldest ContinuousProfile that selects it (the same
/// rule the reconciler applies), or from its own annotations when the user opted it in by hand.
/// </summary>
internal static class InjectionPlanner
{
    public const string Variable = SamplingRateVariable.Name;

    /// <summary>The legacy spelling the runtime reads too; a container that sets either is left alone.</summary>
    public const string LegacyVariable = SamplingRateVariable.LegacyName;

    public static InjectionPlan Plan(JsonObject pod, string @namespace, IReadOnlyList<V1Alpha1ContinuousProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var metadata = pod["metadata"] as JsonObject;
        var labels = StringMap(metadata?["labels"]);
        var annotations = StringMap(metadata?["annotations"]);

        int frequency;
        string source;
        if (annotations.TryGetValue(FlamewatchAnnotations.Enabled, out var enabled) && !annotations.ContainsKey(FlamewatchAnnotations.ManagedBy))
        {
            // Opted in or out by hand: the reconciler never touches such a pod, and neither does the webhook's profile rule.
            if (!string.Equals(enabled, FlamewatchAnnotations.EnabledValue, StringComparison.OrdinalIgnoreCase))
            {
                return InjectionPlan.Unchanged(InjectionOutcome.OptedOut, $"{FlamewatchAnnotations.Enabled} is \"{enabled}\"");
            }

            frequency = PodAnnotationReader.Read(annotations, "pod").Settings.SamplingFrequency;
            source = $"{FlamewatchAnnotations.Enabled}: \"true\"";
        }
        else
        {
            var winner = profiles
                .Where(profile => profile.Metadata.NamespaceProperty == @namespace && Claims(profile) && profile.Spec.Selector!.Matches(labels))
                .Order(AgeComparer.Instance)
                .FirstOrDefault();
            if (winner is null)
            {
                return InjectionPlan.Unchanged(InjectionOutcome.NotSelected, "no ContinuousProfile of the namespace selects the pod");
            }

            frequency = EffectiveSettings.FromSpec(winner.Spec, winner.Metadata.Name!).Settings.SamplingFrequency;
            source = $"ContinuousProfile {winner.Metadata.Name}";
        }

        var value = IntervalHex(frequency);
        var patch = new JsonArray();
        var injected = new List<string>();
        if ((pod["spec"] as JsonObject)?["containers"] is JsonArray containers)
        {
            for (var i = 0; i < containers.Count; i++)
            {
                if (containers[i] is not JsonObject container)
                {
                    continue;
                }

                var env = container["env"] as JsonArray;
                if (env is not null && env.Any(e => e is JsonObject variable && variable["name"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
                    && variable["name"]!.GetValue<string>() is Variable or LegacyVariable))
                {
                    continue;
                }

                var entry = new JsonObject { ["name"] = Variable, ["value"] = value };
                patch.Add(env is null
                    ? Operation($"/spec/containers/{i}/env", new JsonArray(entry))
                    : Operation($"/spec/containers/{i}/env/-", entry));
                injected.Add(container["name"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? container["name"]!.GetValue<string>() : $"#{i}");
            }
        }

        if (injected.Count == 0)
        {
            return InjectionPlan.Unchanged(InjectionOutcome.AlreadySet, $"selected by {source}, but every container already sets {Variable}");
        }

        patch.Add(metadata?["annotations"] is JsonObject
            ? Operation($"/metadata/annotations/{Escape(FlamewatchAnnotations.SamplingRateInjected)}", value)
            : Operation("/metadata/annotations", new JsonObject { [FlamewatchAnnotations.SamplingRateInjected] = value }));
        return new InjectionPlan(
            InjectionOutcome.Injected,
            patch,
            $"selected by {source}: {Variable}={value} ({frequency} Hz) for {string.Join(", ", injected)}",
            value,
            injected);
    }

    /// <summary>
    /// The runtime's sampler interval for a frequency, as the runtime parses it: whole milliseconds in hexadecimal
    /// (100 Hz → 10 ms → <c>A</c>; 50 Hz → 20 ms → <c>14</c>). At least 1 ms, the runtime's own default.
    /// </summary>
    public static string IntervalHex(int frequencyHz) => SamplingRateVariable.Format(frequencyHz);

    /// <summary>Whether a profile currently claims the pods it selects (as the reconciler decides).</summary>
    private static bool Claims(V1Alpha1ContinuousProfile profile) =>
        profile.Metadata.DeletionTimestamp is null
        && profile.Spec.Suspend != true
        && profile.Spec.Selector is not null
        && profile.Metadata.Name is not null
        && EffectiveSettings.FromSpec(profile.Spec, profile.Metadata.Name).IsValid;

    private static JsonObject Operation(string path, JsonNode value) => new() { ["op"] = "add", ["path"] = path, ["value"] = value };

    /// <summary>RFC 6901: "~" → "~0", "/" → "~1".</summary>
    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (value?.GetValueKind() == System.Text.Json.JsonValueKind.String)
                {
                    map[key] = value.GetValue<string>();
                }
            }
        }

        return map;
    }
}

using Flamewatch.Operator.Planning;
using Flamewatch.Settings;
using k8s.Models;

namespace Flamewatch.Operator.Kubernetes;

internal static class PodSnapshots
{
    private static readonly Dictionary<string, string> Empty = [];

    public static PodSnapshot From(V1Pod pod) => new(
        pod.Metadata.NamespaceProperty ?? string.Empty,
        pod.Metadata.Name ?? string.Empty,
        pod.Metadata.ResourceVersion,
        ReadOnly(pod.Metadata.Labels),
        ReadOnly(pod.Metadata.Annotations),
        pod.Status?.Phase,
        pod.Metadata.DeletionTimestamp is not null,
        pod.Spec?.Containers?.Select(SamplingRate).ToList());

    /// <summary>The container's DOTNET_EventPipeThreadSamplingRate (the last definition wins, as in the kubelet); "?" when set indirectly.</summary>
    private static string? SamplingRate(V1Container container)
    {
        var variable = container.Env?.LastOrDefault(e => e.Name is SamplingRateVariable.Name or SamplingRateVariable.LegacyName);
        return variable is null ? null : variable.ValueFrom is not null ? "?" : variable.Value ?? "";
    }

    /// <summary>The official models type maps as IDictionary; the ones they deserialize are Dictionary, read-only too.</summary>
    internal static IReadOnlyDictionary<string, string> ReadOnly(IDictionary<string, string>? map) =>
        map as IReadOnlyDictionary<string, string> ?? (map is null ? Empty : new Dictionary<string, string>(map, StringComparer.Ordinal));
}

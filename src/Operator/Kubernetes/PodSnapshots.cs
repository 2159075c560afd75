using Flamewatch.Operator.Planning;
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
        pod.Metadata.DeletionTimestamp is not null);

    /// <summary>The official models type maps as IDictionary; the ones they deserialize are Dictionary, read-only too.</summary>
    internal static IReadOnlyDictionary<string, string> ReadOnly(IDictionary<string, string>? map) =>
        map as IReadOnlyDictionary<string, string> ?? (map is null ? Empty : new Dictionary<string, string>(map, StringComparer.Ordinal));
}

using Flamewatch.Kubernetes.Models;
using Flamewatch.Operator.Planning;

namespace Flamewatch.Operator.Kubernetes;

internal static class PodSnapshots
{
    private static readonly Dictionary<string, string> Empty = [];

    public static PodSnapshot From(Pod pod) => new(
        pod.Metadata.Namespace ?? string.Empty,
        pod.Metadata.Name ?? string.Empty,
        pod.Metadata.ResourceVersion,
        pod.Metadata.Labels ?? Empty,
        pod.Metadata.Annotations ?? Empty,
        pod.Status?.Phase,
        pod.Metadata.DeletionTimestamp is not null);
}

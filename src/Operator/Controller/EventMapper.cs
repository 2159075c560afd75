using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using k8s.Models;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// Maps watch notifications to ContinuousProfile keys (controller-runtime's EnqueueRequestsFromMapFunc). Pods are
/// never reconciled on their own: a pod change enqueues every profile whose selector matches the pod before or
/// after the change, plus the profile named in its managed-by annotation (before or after), which covers
/// relabelling, hand edits and orphaned annotations.
/// </summary>
internal static class EventMapper
{
    public static IEnumerable<ObjectKey> ForPod(V1Pod? previous, V1Pod? current, IReadOnlyList<V1Alpha1ContinuousProfile> profilesInNamespace)
    {
        if (previous is not null && current is not null && !MattersToPlanner(previous, current))
        {
            return [];
        }

        var keys = new HashSet<ObjectKey>();
        foreach (var pod in new[] { previous, current })
        {
            if (pod?.Metadata.NamespaceProperty is not { } ns)
            {
                continue;
            }

            if (pod.Metadata.Annotations?.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) == true && owner.Length > 0)
            {
                keys.Add(new ObjectKey(ns, owner));
            }

            foreach (var profile in profilesInNamespace)
            {
                if (profile.Spec.Selector?.MatchesLabels(pod.Metadata.Labels) == true)
                {
                    keys.Add(ObjectKey.Of(profile));
                }
            }
        }

        return keys;
    }

    /// <summary>
    /// Pod updates that change nothing the planner reads (container statuses, IPs, conditions) are ignored, so a
    /// busy cluster's status churn does not turn into reconciles.
    /// </summary>
    private static bool MattersToPlanner(V1Pod previous, V1Pod current) =>
        !SameEntries(previous.Metadata.Labels, current.Metadata.Labels)
        || !SameEntries(Flamewatch(previous), Flamewatch(current))
        || (previous.Metadata.DeletionTimestamp is null) != (current.Metadata.DeletionTimestamp is null)
        || previous.Status?.Phase != current.Status?.Phase;

    private static IEnumerable<KeyValuePair<string, string>> Flamewatch(V1Pod pod) =>
        (pod.Metadata.Annotations ?? new Dictionary<string, string>()).Where(a => a.Key.StartsWith(FlamewatchAnnotations.Prefix, StringComparison.Ordinal));

    private static bool SameEntries(IEnumerable<KeyValuePair<string, string>>? a, IEnumerable<KeyValuePair<string, string>>? b) =>
        (a ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual((b ?? []).OrderBy(p => p.Key, StringComparer.Ordinal));

    /// <summary>
    /// A profile change enqueues the profile itself, and, when its claim on pods may have changed (selector,
    /// suspend, deletion), the other profiles of the namespace that may now win or lose pods.
    /// </summary>
    public static IEnumerable<ObjectKey> ForProfile(V1Alpha1ContinuousProfile? previous, V1Alpha1ContinuousProfile? current, IReadOnlyList<V1Alpha1ContinuousProfile> profilesInNamespace)
    {
        var subject = current ?? previous;
        if (subject is null || (previous is not null && current is not null && OnlyStatusChanged(previous, current)))
        {
            yield break;
        }

        yield return ObjectKey.Of(subject);
        if (!ClaimMayHaveChanged(previous, current))
        {
            yield break;
        }

        foreach (var other in profilesInNamespace)
        {
            if (other.Metadata.Name != subject.Metadata.Name)
            {
                yield return ObjectKey.Of(other);
            }
        }
    }

    /// <summary>Our own status writes (and other status-only updates) need no reconcile (controller-runtime's GenerationChangedPredicate, plus metadata the planner reads).</summary>
    private static bool OnlyStatusChanged(V1Alpha1ContinuousProfile previous, V1Alpha1ContinuousProfile current) =>
        previous.Metadata.Generation == current.Metadata.Generation
        && (previous.Metadata.DeletionTimestamp is null) == (current.Metadata.DeletionTimestamp is null)
        && (previous.Metadata.Finalizers ?? []).SequenceEqual(current.Metadata.Finalizers ?? []);

    private static bool ClaimMayHaveChanged(V1Alpha1ContinuousProfile? previous, V1Alpha1ContinuousProfile? current) =>
        previous is null || current is null
        || previous.Metadata.Generation != current.Metadata.Generation
        || (previous.Metadata.DeletionTimestamp is null) != (current.Metadata.DeletionTimestamp is null);
}

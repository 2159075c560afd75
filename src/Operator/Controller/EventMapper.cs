using Flamewatch.Contracts;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Operator.Kubernetes;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// Maps watch notifications to ContinuousProfile keys (controller-runtime's EnqueueRequestsFromMapFunc). Pods are
/// never reconciled on their own: a pod change enqueues every profile whose selector matches the pod before or
/// after the change, plus the profile named in its managed-by annotation (before or after), which covers
/// relabelling, hand edits and orphaned annotations.
/// </summary>
internal static class EventMapper
{
    public static IEnumerable<ObjectKey> ForPod(Pod? previous, Pod? current, IReadOnlyList<ContinuousProfileResource> profilesInNamespace)
    {
        var keys = new HashSet<ObjectKey>();
        foreach (var pod in new[] { previous, current })
        {
            if (pod?.Metadata.Namespace is not { } ns)
            {
                continue;
            }

            if (pod.Metadata.Annotations?.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) == true && owner.Length > 0)
            {
                keys.Add(new ObjectKey(ns, owner));
            }

            foreach (var profile in profilesInNamespace)
            {
                if (profile.Spec.Selector?.Matches(pod.Metadata.Labels) == true)
                {
                    keys.Add(ObjectKey.Of(profile));
                }
            }
        }

        return keys;
    }

    /// <summary>
    /// A profile change enqueues the profile itself, and, when its claim on pods may have changed (selector,
    /// suspend, deletion), the other profiles of the namespace that may now win or lose pods.
    /// </summary>
    public static IEnumerable<ObjectKey> ForProfile(ContinuousProfileResource? previous, ContinuousProfileResource? current, IReadOnlyList<ContinuousProfileResource> profilesInNamespace)
    {
        var subject = current ?? previous;
        if (subject is null)
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

    private static bool ClaimMayHaveChanged(ContinuousProfileResource? previous, ContinuousProfileResource? current) =>
        previous is null || current is null
        || previous.Metadata.Generation != current.Metadata.Generation
        || (previous.Metadata.DeletionTimestamp is null) != (current.Metadata.DeletionTimestamp is null);
}

using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using Flamewatch.Operator.Kubernetes;
using Flamewatch.Operator.Planning;
using k8s.Models;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// Reconciles one ContinuousProfile by key: read the caches, plan, apply. It never asks what event caused it;
/// a profile missing from the cache is simply gone, and pods still naming it are released.
/// </summary>
internal sealed class ContinuousProfileReconciler(IClusterCache cache, PlanApplier applier, TimeProvider time)
{
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var (profile, plan) = PlanFromCache(cache, key, time.GetUtcNow());
        if (!plan.IsEmpty)
        {
            await applier.ApplyAsync(profile, plan, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// The read-and-plan half of a reconcile, without I/O: the profile as the cache shows it (a stand-in carrying only
    /// its key when it is gone, whose pods are then released) and the plan for it.
    /// </summary>
    internal static (V1Alpha1ContinuousProfile Profile, AnnotationPlan Plan) PlanFromCache(IClusterCache cache, ObjectKey key, DateTimeOffset now)
    {
        var ns = key.Namespace ?? throw new ArgumentException("ContinuousProfiles are namespaced", nameof(key));
        var profile = cache.GetProfile(key);

        // Only pods the profile selects or has annotated can be affected; skipping the rest before building
        // snapshots keeps a reconcile cheap in a namespace with thousands of pods.
        var selector = profile?.Spec.Selector;
        var pods = cache.PodsIn(ns)
            .Where(pod => selector?.MatchesLabels(pod.Metadata.Labels) == true
                || (pod.Metadata.Annotations?.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) == true && owner == key.Name))
            .Select(PodSnapshots.From)
            .ToList();
        if (profile is null)
        {
            var gone = new V1Alpha1ContinuousProfile { Metadata = new() { NamespaceProperty = ns, Name = key.Name } };
            return (gone, AnnotationPlanner.ReleaseOrphans(ns, key.Name, pods));
        }

        var others = cache.ProfilesIn(ns).Where(p => p.Metadata.Name != key.Name).ToList();
        return (profile, AnnotationPlanner.Plan(profile, pods, others, now));
    }
}

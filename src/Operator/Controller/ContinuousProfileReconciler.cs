using Flamewatch.Contracts;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Operator.Kubernetes;
using Flamewatch.Operator.Planning;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// Reconciles one ContinuousProfile by key: read the caches, plan, apply. It never asks what event caused it;
/// a profile missing from the cache is simply gone, and pods still naming it are released.
/// </summary>
internal sealed class ContinuousProfileReconciler(IClusterCache cache, PlanApplier applier, TimeProvider time)
{
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var ns = key.Namespace ?? throw new ArgumentException("ContinuousProfiles are namespaced", nameof(key));
        var profile = cache.GetProfile(key);

        // Only pods the profile selects or has annotated can be affected; skipping the rest before building
        // snapshots keeps a reconcile cheap in a namespace with thousands of pods.
        var selector = profile?.Spec.Selector;
        var pods = cache.PodsIn(ns)
            .Where(pod => selector?.Matches(pod.Metadata.Labels) == true
                || (pod.Metadata.Annotations?.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) == true && owner == key.Name))
            .Select(PodSnapshots.From)
            .ToList();
        if (profile is null)
        {
            var orphans = AnnotationPlanner.ReleaseOrphans(ns, key.Name, pods);
            if (!orphans.IsEmpty)
            {
                await applier.ApplyAsync(new ContinuousProfileResource { ApiVersion = ContinuousProfileResource.Type.ApiVersion, Kind = ContinuousProfileResource.Type.Kind, Metadata = new() { Namespace = ns, Name = key.Name } }, orphans, cancellationToken).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        var others = cache.ProfilesIn(ns).Where(p => p.Metadata.Name != key.Name).Select(p => p.ToContract()).ToList();
        var plan = AnnotationPlanner.Plan(profile.ToContract(), pods, others, time.GetUtcNow());
        await applier.ApplyAsync(profile, plan, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }
}

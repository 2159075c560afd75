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
        var pods = cache.PodsIn(ns).Select(PodSnapshots.From).ToList();
        var profile = cache.GetProfile(key);
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

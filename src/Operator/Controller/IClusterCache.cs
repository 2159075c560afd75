using Flamewatch.Kubernetes.Models;
using Flamewatch.Operator.Kubernetes;

namespace Flamewatch.Operator.Controller;

/// <summary>The reconciler's read side: the informer caches of ContinuousProfiles and pods.</summary>
internal interface IClusterCache
{
    ContinuousProfileResource? GetProfile(ObjectKey key);

    IReadOnlyList<ContinuousProfileResource> ProfilesIn(string @namespace);

    IReadOnlyList<Pod> PodsIn(string @namespace);
}

using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using k8s.Models;

namespace Flamewatch.Operator.Controller;

/// <summary>The reconciler's read side: the informer caches of ContinuousProfiles and pods.</summary>
internal interface IClusterCache
{
    V1Alpha1ContinuousProfile? GetProfile(ObjectKey key);

    IReadOnlyList<V1Alpha1ContinuousProfile> ProfilesIn(string @namespace);

    IReadOnlyList<V1Pod> PodsIn(string @namespace);
}

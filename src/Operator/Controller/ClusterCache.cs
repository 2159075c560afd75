using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.Operator.Hosting;
using Flamewatch.Operator.Kubernetes;
using Flamewatch.Operator.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Controller;

/// <summary>The two informers the controller reads from: ContinuousProfiles and pods (of one namespace or all).</summary>
internal sealed class ClusterCache : IClusterCache
{
    public ClusterCache(IKubeApi api, IOptions<OperatorOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var ns = string.IsNullOrEmpty(options.Value.Namespace) ? null : options.Value.Namespace;
        var logger = loggers.CreateLogger<ClusterCache>();
        Profiles = new ResourceCache<ContinuousProfileResource>(api.Resource<ContinuousProfileResource>(ContinuousProfileResource.Type), ns, time, logger);
        Pods = new ResourceCache<Pod>(api.Pods(), ns, time, logger);
    }

    public ResourceCache<ContinuousProfileResource> Profiles { get; }

    public ResourceCache<Pod> Pods { get; }

    public ContinuousProfileResource? GetProfile(ObjectKey key) => Profiles.Get(key);

    public IReadOnlyList<ContinuousProfileResource> ProfilesIn(string @namespace) => Profiles.List(@namespace);

    public IReadOnlyList<Pod> PodsIn(string @namespace) => Pods.List(@namespace);
}

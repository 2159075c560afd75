using Flamewatch.Kubernetes.Informers;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.Operator.Hosting;
using Flamewatch.Operator.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Controller;

/// <summary>The two informers the controller reads from: ContinuousProfiles and pods (of one namespace or all).</summary>
internal sealed class ClusterCache : IClusterCache
{
    public ClusterCache(IKubeApi api, IOptions<OperatorOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var scope = new InformerOptions { Namespace = string.IsNullOrEmpty(options.Value.Namespace) ? null : options.Value.Namespace };
        var logger = loggers.CreateLogger<ClusterCache>();
        Profiles = new Informer<ContinuousProfileResource>(api.Resource<ContinuousProfileResource>(ContinuousProfileResource.Type), scope, logger, time);
        Pods = new Informer<Pod>(api.Pods(), scope, logger, time);
    }

    public Informer<ContinuousProfileResource> Profiles { get; }

    public Informer<Pod> Pods { get; }

    public ContinuousProfileResource? GetProfile(ObjectKey key) => Profiles.Get(key.Namespace, key.Name);

    public IReadOnlyList<ContinuousProfileResource> ProfilesIn(string @namespace) => Profiles.List(@namespace);

    public IReadOnlyList<Pod> PodsIn(string @namespace) => Pods.List(@namespace);
}

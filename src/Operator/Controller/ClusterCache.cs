using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.Operator.Hosting;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Controller;

/// <summary>The two informers the controller reads from: ContinuousProfiles and pods (of one namespace or all).</summary>
internal sealed class ClusterCache : IClusterCache
{
    public ClusterCache(IKubernetes client, IOptions<OperatorOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var scope = new InformerOptions { Namespace = string.IsNullOrEmpty(options.Value.Namespace) ? null : options.Value.Namespace };
        var logger = loggers.CreateLogger<ClusterCache>();
        Profiles = new Informer<V1Alpha1ContinuousProfile>(
            ListWatch.CustomObjects<V1Alpha1ContinuousProfile, V1Alpha1ContinuousProfileList>(client, V1Alpha1ContinuousProfile.Group, V1Alpha1ContinuousProfile.Version, V1Alpha1ContinuousProfile.Plural),
            scope,
            logger,
            time);
        Pods = new Informer<V1Pod>(ListWatch.Pods(client), scope, logger, time);
    }

    public Informer<V1Alpha1ContinuousProfile> Profiles { get; }

    public Informer<V1Pod> Pods { get; }

    public V1Alpha1ContinuousProfile? GetProfile(ObjectKey key) => Profiles.Get(key.Namespace, key.Name);

    public IReadOnlyList<V1Alpha1ContinuousProfile> ProfilesIn(string @namespace) => Profiles.List(@namespace);

    public IReadOnlyList<V1Pod> PodsIn(string @namespace) => Pods.List(@namespace);
}

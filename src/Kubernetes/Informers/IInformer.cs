using Flamewatch.Kubernetes.Selectors;
using k8s;
using k8s.Models;

namespace Flamewatch.Kubernetes.Informers;

/// <summary>A local cache of one resource kept current by list+watch. Cached objects must not be mutated.</summary>
public interface IInformer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>True once the first list has been applied.</summary>
    bool HasSynced { get; }

    /// <summary>The resourceVersion of the last list or event applied.</summary>
    string? LastSyncResourceVersion { get; }

    /// <summary>Completes when the first list has been applied (await before the first reconcile).</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);

    T? Get(string? @namespace, string name);

    /// <summary>Cached objects, optionally of one namespace and matching a label selector.</summary>
    IReadOnlyList<T> List(string? @namespace = null, LabelSelectorExpression? selector = null);

    /// <summary>Adds a handler; if the cache is already synced, it first gets OnAdd for every cached object. Dispose to remove.</summary>
    IDisposable AddHandler(IResourceEventHandler<T> handler);
}

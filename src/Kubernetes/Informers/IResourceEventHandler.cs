using k8s;
using k8s.Models;

namespace Flamewatch.Kubernetes.Informers;

/// <summary>Receives cache changes. Objects are shared with the cache: never mutate them (copy them first).</summary>
public interface IResourceEventHandler<in T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    void OnAdd(T obj);

    void OnUpdate(T oldObj, T newObj);

    /// <summary>Also called for deletions the informer synthesized after a relist (the last known state).</summary>
    void OnDelete(T obj);
}

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates; any may be null.</summary>
public sealed class ResourceEventHandler<T>(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T>? onDelete = null) : IResourceEventHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>One callback for every change, e.g. to enqueue a key.</summary>
    public static ResourceEventHandler<T> ForAny(Action<T> onChange) => new(onChange, (_, n) => onChange(n), onChange);

    public void OnAdd(T obj) => onAdd?.Invoke(obj);

    public void OnUpdate(T oldObj, T newObj) => onUpdate?.Invoke(oldObj, newObj);

    public void OnDelete(T obj) => onDelete?.Invoke(obj);
}

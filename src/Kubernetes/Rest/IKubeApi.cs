using Flamewatch.Kubernetes.Models;

namespace Flamewatch.Kubernetes.Rest;

/// <summary>The Kubernetes API as Flamewatch uses it: one typed client per resource type.</summary>
public interface IKubeApi
{
    /// <summary>The namespace of the current kubeconfig context or of the service account ("default" otherwise).</summary>
    string DefaultNamespace { get; }

    /// <summary>A client for <paramref name="type"/> whose objects (de)serialize as <typeparamref name="T"/>.</summary>
    IResourceClient<T> Resource<T>(ResourceType type)
        where T : KubeObject;
}

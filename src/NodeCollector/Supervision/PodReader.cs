using Flamewatch.Contracts;
using Flamewatch.NodeCollector.Discovery;
using k8s.Models;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>Reads a Pod from the API into a <see cref="ProfiledPod"/>, using the shared annotation parser.</summary>
internal static class PodReader
{
    /// <summary>The pod's profiling request, or null when it is not on <paramref name="nodeName"/> or not enabled.</summary>
    public static ProfiledPod? Read(V1Pod pod, string nodeName)
    {
        var meta = pod.Metadata;
        if (string.IsNullOrEmpty(meta.Uid) || string.IsNullOrEmpty(meta.Name) ||
            !string.Equals(pod.Spec?.NodeName, nodeName, StringComparison.Ordinal))
        {
            return null;
        }

        var request = PodAnnotationReader.Read(meta.Annotations as IReadOnlyDictionary<string, string> ?? (meta.Annotations is null ? null : new Dictionary<string, string>(meta.Annotations)), DefaultApplicationName(pod));
        if (!request.Enabled)
        {
            return null;
        }

        return new ProfiledPod(meta.Uid, meta.NamespaceProperty ?? "default", meta.Name, nodeName, request.Settings, request.Errors, Containers(pod.Status));
    }

    /// <summary>The <c>app.kubernetes.io/name</c> or <c>app</c> label, else the pod name (docs/annotations.md).</summary>
    public static string DefaultApplicationName(V1Pod pod)
    {
        var labels = pod.Metadata.Labels;
        foreach (var key in new[] { "app.kubernetes.io/name", "app" })
        {
            if (labels is not null && labels.TryGetValue(key, out var value) && value.Length is > 0 and <= Settings.SettingsRules.MaxApplicationNameLength)
            {
                return value;
            }
        }

        return pod.Metadata.Name ?? "unknown";
    }

    /// <summary>Regular, init and ephemeral container statuses.</summary>
    private static List<DiscoveryContainer> Containers(V1PodStatus? status)
    {
        var containers = new List<DiscoveryContainer>();
        if (status is null)
        {
            return containers;
        }

        foreach (var container in status.ContainerStatuses ?? [])
        {
            if (!string.IsNullOrEmpty(container.Name))
            {
                containers.Add(new DiscoveryContainer(container.Name, container.ContainerID));
            }
        }

        foreach (var container in (status.InitContainerStatuses ?? []).Concat(status.EphemeralContainerStatuses ?? []))
        {
            if (!string.IsNullOrEmpty(container.Name))
            {
                containers.Add(new DiscoveryContainer(container.Name, container.ContainerID));
            }
        }

        return containers;
    }
}

using Flamewatch.Kubernetes.Models;

namespace Flamewatch.Kubernetes.Rest;

/// <summary>Where a kind lives in the API: group (empty for core), version, plural resource name, kind, scope.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public static ResourceType Pods { get; } = new("", "v1", "pods", "Pod", true);

    public static ResourceType Namespaces { get; } = new("", "v1", "namespaces", "Namespace", false);

    public static ResourceType Events { get; } = new("", "v1", "events", "Event", true);

    public static ResourceType ConfigMaps { get; } = new("", "v1", "configmaps", "ConfigMap", true);

    public static ResourceType Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease", true);

    public static ResourceType CustomResourceDefinitions { get; } = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The collection path: all namespaces when <paramref name="namespace"/> is null.</summary>
    public string CollectionPath(string? @namespace)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        if (Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            return $"{root}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}";
        }

        return $"{root}/{Plural}";
    }

    public string ObjectPath(string? @namespace, string name, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(@namespace))
        {
            throw new ArgumentException($"{Plural} are namespaced: a namespace is required", nameof(@namespace));
        }

        var path = $"{CollectionPath(@namespace)}/{Uri.EscapeDataString(name)}";
        return subresource is null ? path : $"{path}/{subresource}";
    }

    /// <summary>Fills apiVersion and kind when the caller left them empty.</summary>
    internal void Stamp(KubeObject obj)
    {
        obj.ApiVersion ??= ApiVersion;
        obj.Kind ??= Kind;
    }
}

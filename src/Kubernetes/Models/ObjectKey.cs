namespace Flamewatch.Kubernetes.Models;

/// <summary>Identifies an object by namespace (null when cluster-scoped) and name.</summary>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    public static ObjectKey Of(KubeObject obj) => new(string.IsNullOrEmpty(obj.Metadata.Namespace) ? null : obj.Metadata.Namespace, obj.Metadata.Name ?? "");

    /// <summary>Parses "namespace/name" or "name".</summary>
    public static ObjectKey Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new ObjectKey(null, key) : new ObjectKey(key[..slash], key[(slash + 1)..]);
    }

    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}

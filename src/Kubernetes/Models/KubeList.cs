namespace Flamewatch.Kubernetes.Models;

/// <summary>A list response: items plus the list's resourceVersion and continue token.</summary>
public sealed class KubeList<T> : KubeModel
    where T : KubeObject
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<T> Items { get; set; } = [];
}

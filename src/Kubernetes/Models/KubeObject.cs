using System.Text.Json.Serialization;

namespace Flamewatch.Kubernetes.Models;

/// <summary>A top-level API object: apiVersion, kind, metadata; everything else is typed by subclasses or preserved.</summary>
public abstract class KubeObject : KubeModel
{
    [JsonPropertyOrder(-3)]
    public string? ApiVersion { get; set; }

    [JsonPropertyOrder(-2)]
    public string? Kind { get; set; }

    [JsonPropertyOrder(-1)]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>"namespace/name", or "name" for cluster-scoped objects: the key caches and work queues use.</summary>
    public string Key() => ObjectKey.Of(this).ToString();
}

using System.Text.Json.Serialization;

namespace Flamewatch.Kubernetes.Models;

/// <summary>
/// Base of every model: fields the model does not declare are kept here, so a read-modify-write
/// round trip never drops what another client wrote.
/// </summary>
public abstract class KubeModel
{
    /// <summary>Undeclared fields: <see cref="System.Text.Json.JsonElement"/> after reading, or any serializable value (e.g. a JsonNode).</summary>
    [JsonExtensionData]
    public Dictionary<string, object?>? ExtensionData { get; set; }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flamewatch.Kubernetes.Models;

/// <summary>
/// Any object, typed only in apiVersion/kind/metadata; the rest (spec, status, data, ...) lives in
/// <see cref="KubeModel.ExtensionData"/>. Used for custom resources without a C# type.
/// </summary>
public sealed class GenericObject : KubeObject
{
    /// <summary>A top-level field such as "spec" or "status" as a mutable JSON node, or null.</summary>
    public JsonNode? this[string field]
    {
        get
        {
            if (ExtensionData is null || !ExtensionData.TryGetValue(field, out var value) || value is null)
            {
                return null;
            }

            if (value is JsonNode node)
            {
                return node;
            }

            var parsed = value is JsonElement element ? JsonNode.Parse(element.GetRawText()) : JsonSerializer.SerializeToNode(value);
            ExtensionData[field] = parsed;
            return parsed;
        }

        set => (ExtensionData ??= [])[field] = value;
    }
}

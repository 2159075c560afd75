using System.Text.Json.Nodes;

namespace Flamewatch.TestKit;

/// <summary>RFC 6902 JSON patches applied as the test API server (and kube-apiserver) applies them.</summary>
public static class JsonPatches
{
    /// <summary>A patched deep copy of <paramref name="document"/>.</summary>
    /// <exception cref="InvalidOperationException">An operation failed (missing path, failed test).</exception>
    public static JsonNode? Apply(JsonNode? document, JsonArray operations) =>
        ApiServer.Patches.JsonPatch(document?.DeepClone(), operations);
}

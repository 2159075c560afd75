using System.Text.Json.Nodes;

namespace Flamewatch.Kubernetes.Rest;

/// <summary>A PATCH body with its content type.</summary>
public sealed record KubePatch(string ContentType, string Body)
{
    public const string MergePatchType = "application/merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";
    public const string StrategicMergePatchType = "application/strategic-merge-patch+json";

    /// <summary>RFC 7386 merge patch: <c>null</c> deletes a key; lists are replaced whole.</summary>
    public static KubePatch Merge(JsonNode patch) => new(MergePatchType, patch.ToJsonString());

    /// <summary>RFC 6902 JSON patch (use a <c>test</c> op to guard against lost updates).</summary>
    public static KubePatch Json(JsonArray operations) => new(JsonPatchType, operations.ToJsonString());

    /// <summary>Strategic merge patch (built-in kinds only; custom resources answer 415).</summary>
    public static KubePatch Strategic(JsonNode patch) => new(StrategicMergePatchType, patch.ToJsonString());

    /// <summary>A merge patch that sets (value) or removes (null) annotations.</summary>
    public static KubePatch Annotations(IEnumerable<KeyValuePair<string, string?>> changes)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in changes)
        {
            annotations[key] = value is null ? null : JsonValue.Create(value);
        }

        return Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } });
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Flamewatch.Contracts.Api;

namespace Flamewatch.Kubernetes.Json;

/// <summary>The System.Text.Json settings every Kubernetes payload uses (camelCase, nulls omitted, RFC 3339 times).</summary>
public static class KubeJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new KubernetesTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize<T>(utf8, Options) ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    public static T Deserialize<T>(JsonNode node) =>
        node.Deserialize<T>(Options) ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    public static JsonObject ToNode<T>(T value) =>
        JsonSerializer.SerializeToNode(value, Options) as JsonObject ?? throw new JsonException("not a JSON object");

    /// <summary>A deep copy through JSON (cache entries are shared; copy before mutating).</summary>
    public static T Clone<T>(T value) => Deserialize<T>(SerializeToUtf8Bytes(value));
}

using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// Reads and writes one watch event line, <c>{"type":"ADDED","object":{…}}</c>, handing the object to the client's own
/// serializer options (their source-generated metadata for the Kubernetes models). The official client reads watch
/// events as <see cref="Watcher{T}.WatchEvent"/>, a type its generated metadata does not cover: without this converter
/// they are bound by reflection, which a trimmed Native AOT build (the collector) cannot do, and every event of a watch
/// fails (the client reports each failure to the watch's error callback and goes on reading).
/// </summary>
internal sealed class WatchEventConverter<T> : JsonConverter<Watcher<T>.WatchEvent>
{
    public override Watcher<T>.WatchEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a watch event is a JSON object, not {reader.TokenType}");
        }

        var watchEvent = new Watcher<T>.WatchEvent();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "type":
                    var type = reader.GetString();
                    watchEvent.Type = Enum.TryParse<WatchEventType>(type, ignoreCase: true, out var parsed)
                        ? parsed
                        : throw new JsonException($"unknown watch event type '{type}'");
                    break;
                case "object" when typeof(T) == typeof(KubernetesObject):
                    // The client's first look at every event; the generated metadata has no KubernetesObject.
                    watchEvent.Object = (T)(object)ReadHeader(ref reader);
                    break;
                case "object":
                    watchEvent.Object = (T)JsonSerializer.Deserialize(ref reader, options.GetTypeInfo(typeof(T)))!;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return watchEvent;
    }

    /// <summary>The apiVersion and kind of an object, the rest skipped.</summary>
    private static KubernetesObject ReadHeader(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a watch event's object is a JSON object, not {reader.TokenType}");
        }

        var header = new KubernetesObject();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "apiVersion" when reader.TokenType == JsonTokenType.String:
                    header.ApiVersion = reader.GetString();
                    break;
                case "kind" when reader.TokenType == JsonTokenType.String:
                    header.Kind = reader.GetString();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return header;
    }

    public override void Write(Utf8JsonWriter writer, Watcher<T>.WatchEvent value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", value.Type.ToString().ToUpperInvariant());
        writer.WritePropertyName("object");
        if (value.Object is KubernetesObject header && typeof(T) == typeof(KubernetesObject))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", header.ApiVersion);
            writer.WriteString("kind", header.Kind);
            writer.WriteEndObject();
        }
        else
        {
            JsonSerializer.Serialize(writer, value.Object, options.GetTypeInfo(typeof(T)));
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// Serves <see cref="WatchEventConverter{T}"/> for the types Flamewatch watches: the pod watch, and the client's own
/// first look at every event (as <see cref="KubernetesObject"/>, then as <see cref="V1Status"/> when it is an error).
/// Ahead of the client's resolvers in its options (<see cref="KubeJsonContext.Register"/>), so that no reflection is needed for them.
/// </summary>
internal sealed class WatchEventResolver : IJsonTypeInfoResolver
{
    public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
        type == typeof(Watcher<V1Pod>.WatchEvent) ? JsonMetadataServices.CreateValueInfo<Watcher<V1Pod>.WatchEvent>(options, new WatchEventConverter<V1Pod>())
        : type == typeof(Watcher<V1Status>.WatchEvent) ? JsonMetadataServices.CreateValueInfo<Watcher<V1Status>.WatchEvent>(options, new WatchEventConverter<V1Status>())
        : type == typeof(Watcher<KubernetesObject>.WatchEvent) ? JsonMetadataServices.CreateValueInfo<Watcher<KubernetesObject>.WatchEvent>(options, new WatchEventConverter<KubernetesObject>())
        : null;
}

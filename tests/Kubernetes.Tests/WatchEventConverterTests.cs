using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Flamewatch.Kubernetes.Client;
using k8s;
using k8s.Models;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>
/// Watch event lines read with the client's source-generated metadata alone (no reflection, as in the Native AOT
/// collector): the resolver serves the events, the converter hands their object to the generated metadata.
/// </summary>
public sealed class WatchEventConverterTests
{
    private const string Line = """{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-0","namespace":"team-a","annotations":{"a":"b"}},"spec":{"nodeName":"node-a"},"status":{"phase":"Running"}}}""";

    private static JsonSerializerOptions Options() => new()
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(new WatchEventResolver(), SourceGenerationContext.Default),
    };

    [Fact]
    public void A_pod_event_is_read_with_the_generated_metadata_only()
    {
        var watchEvent = JsonSerializer.Deserialize(Line, (JsonTypeInfo<Watcher<V1Pod>.WatchEvent>)Options().GetTypeInfo(typeof(Watcher<V1Pod>.WatchEvent)))!;

        Assert.Equal(WatchEventType.Modified, watchEvent.Type);
        Assert.Equal("web-0", watchEvent.Object.Metadata.Name);
        Assert.Equal("b", watchEvent.Object.Metadata.Annotations["a"]);
        Assert.Equal("node-a", watchEvent.Object.Spec.NodeName);
        Assert.Equal("Running", watchEvent.Object.Status.Phase);
    }

    [Fact]
    public void The_client_s_first_look_reads_the_kind_alone()
    {
        var watchEvent = JsonSerializer.Deserialize(Line, (JsonTypeInfo<Watcher<KubernetesObject>.WatchEvent>)Options().GetTypeInfo(typeof(Watcher<KubernetesObject>.WatchEvent)))!;

        Assert.Equal(WatchEventType.Modified, watchEvent.Type);
        Assert.Equal("Pod", watchEvent.Object.Kind);
        Assert.Equal("v1", watchEvent.Object.ApiVersion);
    }

    [Fact]
    public void Written_events_read_back()
    {
        var options = Options();
        var info = (JsonTypeInfo<Watcher<V1Pod>.WatchEvent>)options.GetTypeInfo(typeof(Watcher<V1Pod>.WatchEvent));
        var original = JsonSerializer.Deserialize(Line, info)!;

        var text = JsonSerializer.Serialize(original, info);
        var copy = JsonSerializer.Deserialize(text, info)!;

        Assert.StartsWith("""{"type":"MODIFIED","object":{""", text, StringComparison.Ordinal);
        Assert.Equal(original.Object.Metadata.Name, copy.Object.Metadata.Name);
    }

    [Fact]
    public void An_unknown_event_type_is_an_error()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            """{"type":"RENAMED","object":{}}""",
            (JsonTypeInfo<Watcher<V1Pod>.WatchEvent>)Options().GetTypeInfo(typeof(Watcher<V1Pod>.WatchEvent))));
    }
}

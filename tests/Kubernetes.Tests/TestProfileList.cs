using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>A list of <see cref="TestProfile"/>.</summary>
public sealed class TestProfileList : IKubernetesObject<V1ListMeta>, IItems<TestProfile>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = TestProfile.Group + "/" + TestProfile.Version;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "TestProfileList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<TestProfile> Items { get; set; } = [];
}

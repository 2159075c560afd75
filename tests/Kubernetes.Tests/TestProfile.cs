using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>An object of the test-only <c>fixtures.flamewatch.io</c> CRD, typed just enough for an informer.</summary>
public sealed class TestProfile : IKubernetesObject<V1ObjectMeta>
{
    public const string Group = "fixtures.flamewatch.io";
    public const string Version = "v1alpha1";
    public const string Plural = "testprofiles";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = Group + "/" + Version;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "TestProfile";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public JsonObject? Spec { get; set; }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flamewatch.Contracts.Api.V1Alpha1;

/// <summary>
/// <c>flamewatch.io/v1alpha1</c> ContinuousProfile: selects pods of its namespace for continuous profiling.
/// The CRD in <c>config/crd/bases/flamewatch.io_continuousprofiles.yaml</c> is the schema's source of truth. A Kubernetes
/// object over the official client's <see cref="V1ObjectMeta"/>, so informers, patches and Events treat it like a Pod.
/// </summary>
public sealed class V1Alpha1ContinuousProfile : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1ContinuousProfileSpec>, IStatus<V1Alpha1ContinuousProfileStatus?>
{
    public const string Group = "flamewatch.io";
    public const string Version = "v1alpha1";
    public const string ApiVersionValue = Group + "/" + Version;
    public const string KindValue = "ContinuousProfile";
    public const string Plural = "continuousprofiles";

    /// <summary>Finalizer that keeps the resource until the operator removed its annotations from every pod.</summary>
    public const string Finalizer = Group + "/pod-annotations";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiVersionValue;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindValue;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public V1Alpha1ContinuousProfileSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public V1Alpha1ContinuousProfileStatus? Status { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>A list of <see cref="V1Alpha1ContinuousProfile"/>, as list and watch calls return them.</summary>
public sealed class V1Alpha1ContinuousProfileList : IKubernetesObject<V1ListMeta>, IItems<V1Alpha1ContinuousProfile>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = V1Alpha1ContinuousProfile.ApiVersionValue;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = V1Alpha1ContinuousProfile.KindValue + "List";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<V1Alpha1ContinuousProfile> Items { get; set; } = [];
}

using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Flamewatch.Contracts.Api.V1Alpha1;

/// <summary>
/// Which pods to profile and how. Null members mean "not set": the CRD defaults them on admission, and
/// <see cref="EffectiveSettings"/> applies the same defaults for objects that never went through admission.
/// </summary>
public sealed class V1Alpha1ContinuousProfileSpec
{
    /// <summary>Service name of the profiles; defaults to the resource's name.</summary>
    [JsonPropertyName("applicationName")]
    public string? ApplicationName { get; set; }

    /// <summary>Pods of the same namespace to profile; <c>{}</c> selects all of them.</summary>
    [JsonPropertyName("selector")]
    public V1LabelSelector? Selector { get; set; }

    /// <summary>Duration string, 10s–10m, default 45s.</summary>
    [JsonPropertyName("period")]
    public string? Period { get; set; }

    /// <summary>Duration string, greater than zero and shorter than period, default 10s.</summary>
    [JsonPropertyName("uploadTimeout")]
    public string? UploadTimeout { get; set; }

    /// <summary>At most 32 custom labels added to every profile.</summary>
    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Hertz, 1–1000, default 100.</summary>
    [JsonPropertyName("samplingFrequency")]
    public int? SamplingFrequency { get; set; }

    /// <summary>Wire names of <see cref="Settings.ProfileTypes"/> (<see cref="Settings.ProfileTypeNames"/>); defaults to the five of <see cref="Settings.ProfileTypes.Default"/>.</summary>
    [JsonPropertyName("profileTypes")]
    public List<string>? ProfileTypes { get; set; }

    /// <summary>Stops profiling without deleting the resource.</summary>
    [JsonPropertyName("suspend")]
    public bool? Suspend { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

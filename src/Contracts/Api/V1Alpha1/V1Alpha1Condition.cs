using System.Text.Json.Serialization;

namespace Flamewatch.Contracts.Api.V1Alpha1;

/// <summary>The standard metav1.Condition shape.</summary>
public sealed record V1Alpha1Condition
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; init; }

    [JsonPropertyName("lastTransitionTime")]
    [JsonConverter(typeof(KubernetesTimeConverter))]
    public DateTimeOffset LastTransitionTime { get; init; }

    [JsonPropertyName("reason")]
    public required string Reason { get; init; }

    [JsonPropertyName("message")]
    public string Message { get; init; } = string.Empty;
}

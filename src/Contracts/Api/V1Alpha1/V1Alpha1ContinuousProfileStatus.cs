using System.Text.Json.Serialization;

namespace Flamewatch.Contracts.Api.V1Alpha1;

/// <summary>What the operator observed and did.</summary>
public sealed class V1Alpha1ContinuousProfileStatus
{
    public const string ReadyCondition = "Ready";
    public const string ConflictCondition = "Conflict";

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>Running pods the selector matches.</summary>
    [JsonPropertyName("matchedPods")]
    public int? MatchedPods { get; set; }

    /// <summary>
    /// Profiled pods whose containers started without a DOTNET_EventPipeThreadSamplingRate continuous at the profile's
    /// frequency (created before the profile or while the webhook was unavailable): sampled duty-cycled until they restart.
    /// </summary>
    [JsonPropertyName("dutyCycledPods")]
    public int? DutyCycledPods { get; set; }

    [JsonPropertyName("conditions")]
    public List<V1Alpha1Condition>? Conditions { get; set; }

    public V1Alpha1Condition? FindCondition(string type) => Conditions?.FirstOrDefault(c => c.Type == type);
}

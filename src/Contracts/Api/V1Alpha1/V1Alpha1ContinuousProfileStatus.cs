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

    [JsonPropertyName("conditions")]
    public List<V1Alpha1Condition>? Conditions { get; set; }

    public V1Alpha1Condition? FindCondition(string type) => Conditions?.FirstOrDefault(c => c.Type == type);
}

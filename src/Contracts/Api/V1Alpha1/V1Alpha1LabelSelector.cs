using System.Text.Json.Serialization;

namespace Flamewatch.Contracts.Api.V1Alpha1;

/// <summary>A metav1.LabelSelector: matchLabels and matchExpressions, all ANDed; empty selects everything.</summary>
public sealed class V1Alpha1LabelSelector
{
    [JsonPropertyName("matchLabels")]
    public Dictionary<string, string>? MatchLabels { get; set; }

    [JsonPropertyName("matchExpressions")]
    public List<V1Alpha1LabelSelectorRequirement>? MatchExpressions { get; set; }

    /// <summary>Describes why the selector cannot be evaluated, or null when it is well formed.</summary>
    public string? Validate()
    {
        foreach (var (requirement, index) in (MatchExpressions ?? []).Select((r, i) => (r, i)))
        {
            var field = $"spec.selector.matchExpressions[{index}]";
            if (string.IsNullOrEmpty(requirement.Key))
            {
                return $"{field}.key: a label key is required";
            }

            var hasValues = requirement.Values is { Count: > 0 };
            switch (requirement.Operator)
            {
                case V1Alpha1LabelSelectorRequirement.In or V1Alpha1LabelSelectorRequirement.NotIn when !hasValues:
                    return $"{field}.values: must be non-empty for {requirement.Operator}";
                case V1Alpha1LabelSelectorRequirement.Exists or V1Alpha1LabelSelectorRequirement.DoesNotExist when hasValues:
                    return $"{field}.values: must be empty for {requirement.Operator}";
                case V1Alpha1LabelSelectorRequirement.In or V1Alpha1LabelSelectorRequirement.NotIn
                    or V1Alpha1LabelSelectorRequirement.Exists or V1Alpha1LabelSelectorRequirement.DoesNotExist:
                    break;
                default:
                    return $"{field}.operator: \"{requirement.Operator}\" is not one of In, NotIn, Exists, DoesNotExist";
            }
        }

        return null;
    }

    /// <summary>Whether a pod with these labels is selected. Call <see cref="Validate"/> first; malformed requirements match nothing.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        labels ??= EmptyLabels;
        if (MatchLabels is not null)
        {
            foreach (var (key, value) in MatchLabels)
            {
                if (!labels.TryGetValue(key, out var actual) || actual != value)
                {
                    return false;
                }
            }
        }

        if (MatchExpressions is null)
        {
            return true;
        }

        foreach (var requirement in MatchExpressions)
        {
            var present = labels.TryGetValue(requirement.Key ?? string.Empty, out var actual);
            var values = requirement.Values;
            var satisfied = requirement.Operator switch
            {
                V1Alpha1LabelSelectorRequirement.In => present && values is not null && values.Contains(actual!),
                V1Alpha1LabelSelectorRequirement.NotIn => !present || values is null || !values.Contains(actual!),
                V1Alpha1LabelSelectorRequirement.Exists => present,
                V1Alpha1LabelSelectorRequirement.DoesNotExist => !present,
                _ => false,
            };
            if (!satisfied)
            {
                return false;
            }
        }

        return true;
    }

    private static readonly Dictionary<string, string> EmptyLabels = [];
}

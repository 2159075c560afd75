using k8s.Models;

namespace Flamewatch.Contracts.Api.V1Alpha1;

/// <summary>Checks and evaluates a metav1.LabelSelector: matchLabels and matchExpressions, all ANDed; empty selects everything.</summary>
public static class LabelSelectorExtensions
{
    public const string In = "In";
    public const string NotIn = "NotIn";
    public const string Exists = "Exists";
    public const string DoesNotExist = "DoesNotExist";

    private static readonly Dictionary<string, string> EmptyLabels = [];

    /// <summary>Describes why the selector cannot be evaluated, or null when it is well formed.</summary>
    public static string? Validate(this V1LabelSelector selector)
    {
        foreach (var (requirement, index) in (selector.MatchExpressions ?? []).Select((r, i) => (r, i)))
        {
            var field = $"spec.selector.matchExpressions[{index}]";
            if (string.IsNullOrEmpty(requirement.Key))
            {
                return $"{field}.key: a label key is required";
            }

            var hasValues = requirement.Values is { Count: > 0 };
            switch (requirement.OperatorProperty)
            {
                case In or NotIn when !hasValues:
                    return $"{field}.values: must be non-empty for {requirement.OperatorProperty}";
                case Exists or DoesNotExist when hasValues:
                    return $"{field}.values: must be empty for {requirement.OperatorProperty}";
                case In or NotIn or Exists or DoesNotExist:
                    break;
                default:
                    return $"{field}.operator: \"{requirement.OperatorProperty}\" is not one of In, NotIn, Exists, DoesNotExist";
            }
        }

        return null;
    }

    /// <summary>Whether an object with these labels is selected. Call <see cref="Validate"/> first; malformed requirements match nothing.</summary>
    public static bool Matches(this V1LabelSelector selector, IReadOnlyDictionary<string, string>? labels)
    {
        labels ??= EmptyLabels;
        if (selector.MatchLabels is not null)
        {
            foreach (var (key, value) in selector.MatchLabels)
            {
                if (!labels.TryGetValue(key, out var actual) || actual != value)
                {
                    return false;
                }
            }
        }

        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var present = labels.TryGetValue(requirement.Key ?? string.Empty, out var actual);
            var values = requirement.Values;
            var satisfied = requirement.OperatorProperty switch
            {
                In => present && values is not null && values.Contains(actual!),
                NotIn => !present || values is null || !values.Contains(actual!),
                Exists => present,
                DoesNotExist => !present,
                _ => false,
            };
            if (!satisfied)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The same, for the labels of an official model object (typed as <see cref="IDictionary{TKey, TValue}"/>).</summary>
    public static bool MatchesLabels(this V1LabelSelector selector, IDictionary<string, string>? labels) =>
        selector.Matches(labels as IReadOnlyDictionary<string, string> ?? (labels is null ? null : new Dictionary<string, string>(labels, StringComparer.Ordinal)));
}

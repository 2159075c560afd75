using k8s.Models;

namespace Flamewatch.Kubernetes.Selectors;

/// <summary>
/// A parsed label selector (query string or <see cref="V1LabelSelector"/> object). The empty selector matches everything;
/// <see cref="Nothing"/> matches nothing.
/// </summary>
public sealed class LabelSelectorExpression
{
    private readonly bool _matchesNothing;

    private LabelSelectorExpression(IReadOnlyList<Requirement> requirements, bool matchesNothing)
    {
        Requirements = requirements;
        _matchesNothing = matchesNothing;
    }

    public static LabelSelectorExpression Everything { get; } = new([], false);

    public static LabelSelectorExpression Nothing { get; } = new([], true);

    public IReadOnlyList<Requirement> Requirements { get; }

    public bool IsEverything => !_matchesNothing && Requirements.Count == 0;

    /// <summary>Parses the query form, e.g. <c>app=web,tier in (a,b),!canary</c>.</summary>
    /// <exception cref="FormatException">The text is not a valid selector.</exception>
    public static LabelSelectorExpression Parse(string? text) =>
        string.IsNullOrWhiteSpace(text) ? Everything : new(LabelSelectorParser.Parse(text), false);

    /// <summary>Converts a metav1.LabelSelector; a null selector matches nothing, an empty one everything (as for Deployments).</summary>
    /// <exception cref="FormatException">An operator is unknown or In/NotIn has no values.</exception>
    public static LabelSelectorExpression FromLabelSelector(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return Nothing;
        }

        var requirements = new List<Requirement>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            requirements.Add(new Requirement(key, SelectorOperator.Equals, [value]));
        }

        foreach (var expression in selector.MatchExpressions ?? [])
        {
            IReadOnlyList<string> values = expression.Values?.ToList() ?? [];
            var op = expression.OperatorProperty switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => throw new FormatException($"\"{expression.OperatorProperty}\" is not a valid label selector operator"),
            };
            if (op is SelectorOperator.In or SelectorOperator.NotIn && values.Count == 0)
            {
                throw new FormatException($"values: Required value: must be specified when `operator` is 'In' or 'NotIn' (key \"{expression.Key}\")");
            }

            if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist && values.Count > 0)
            {
                throw new FormatException($"values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist' (key \"{expression.Key}\")");
            }

            requirements.Add(new Requirement(expression.Key, op, values));
        }

        return new LabelSelectorExpression(requirements, false);
    }

    /// <summary>Matches the labels of an object (the official models type them as <see cref="IDictionary{TKey, TValue}"/>).</summary>
    public bool Matches(IDictionary<string, string>? labels) =>
        Matches(labels as IReadOnlyDictionary<string, string> ?? (labels is null ? null : new Dictionary<string, string>(labels, StringComparer.Ordinal)));

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (_matchesNothing)
        {
            return false;
        }

        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(",", Requirements);
}

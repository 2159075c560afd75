namespace Flamewatch.Kubernetes.Selectors;

/// <summary>A field selector: <c>field=value</c>, <c>field==value</c>, <c>field!=value</c>, comma = AND.</summary>
public sealed class FieldSelectorExpression
{
    private FieldSelectorExpression(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    public static FieldSelectorExpression Everything { get; } = new([]);

    public IReadOnlyList<FieldRequirement> Requirements { get; }

    /// <exception cref="FormatException">A term has no operator.</exception>
    public static FieldSelectorExpression Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<FieldRequirement>();
        foreach (var term in text.Split(','))
        {
            var t = term.Trim();
            int at;
            if ((at = t.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                requirements.Add(new FieldRequirement(t[..at], t[(at + 2)..], Negated: true));
            }
            else if ((at = t.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                requirements.Add(new FieldRequirement(t[..at], t[(at + 2)..], Negated: false));
            }
            else if ((at = t.IndexOf('=', StringComparison.Ordinal)) > 0)
            {
                requirements.Add(new FieldRequirement(t[..at], t[(at + 1)..], Negated: false));
            }
            else
            {
                throw new FormatException($"invalid selector: '{text}'; can't understand '{t}'");
            }
        }

        return new FieldSelectorExpression(requirements);
    }

    /// <summary>Evaluates against a field lookup (missing fields read as "").</summary>
    public bool Matches(Func<string, string?> field)
    {
        foreach (var r in Requirements)
        {
            var equal = (field(r.Field) ?? "") == r.Value;
            if (equal == r.Negated)
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(",", Requirements.Select(r => r.Negated ? $"{r.Field}!={r.Value}" : $"{r.Field}={r.Value}"));
}

public sealed record FieldRequirement(string Field, string Value, bool Negated);

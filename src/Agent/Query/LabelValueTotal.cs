namespace Flamewatch.Agent.Query;

/// <param name="Value">The label value; null for the selected profiles without the label.</param>
internal sealed record LabelValueTotal(string? Value, long Total, int Profiles);

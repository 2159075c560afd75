namespace Flamewatch.Agent.Query;

internal sealed record LabelTotals(string Type, string Name, string Unit, bool Gauge, string Key, long Total, IReadOnlyList<LabelValueTotal> Values);

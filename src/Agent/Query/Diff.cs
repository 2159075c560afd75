namespace Flamewatch.Agent.Query;

internal sealed record Diff(string Type, string Name, string Unit, bool Gauge, DiffSide Baseline, DiffSide Comparison, DiffNode Root,
    IReadOnlyList<DiffFunction> Functions);

namespace Flamewatch.Agent.Query;

/// <summary>One frame of a diff: total and self value on each side.</summary>
internal sealed record DiffNode(string Name, string File, long Baseline, long Comparison, long BaselineSelf, long ComparisonSelf,
    IReadOnlyList<DiffNode> Children);

namespace Flamewatch.Agent.Query;

internal sealed record DiffFunction(string Name, string File, SideValues Baseline, SideValues Comparison);

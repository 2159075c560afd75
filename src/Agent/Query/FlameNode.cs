namespace Flamewatch.Agent.Query;

internal sealed record FlameNode(string Name, string File, long Value, long Self, IReadOnlyList<FlameNode> Children);

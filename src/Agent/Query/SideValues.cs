namespace Flamewatch.Agent.Query;

internal sealed record SideValues(long Self, long Total);

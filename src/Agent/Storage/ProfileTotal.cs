namespace Flamewatch.Agent.Storage;

/// <summary>One selected profile's period and its total for the queried type; <paramref name="Label"/> is the id of its value of the grouping label, 0 for none.</summary>
internal readonly record struct ProfileTotal(long StartMs, long EndMs, long Total, int Label);

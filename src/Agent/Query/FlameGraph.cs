namespace Flamewatch.Agent.Query;

/// <param name="Gauge">Values are averages over time (a gauge type such as <c>inuse-space</c>), not sums.</param>
/// <param name="Start">Start of the earliest merged profile.</param>
/// <param name="End">End of the latest merged profile.</param>
internal sealed record FlameGraph(string Type, string Name, string Unit, bool Gauge, int Profiles, DateTimeOffset? Start, DateTimeOffset? End,
    FlameNode Root, IReadOnlyList<FunctionValues> Functions);

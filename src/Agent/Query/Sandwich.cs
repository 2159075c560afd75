namespace Flamewatch.Agent.Query;

/// <param name="Total">The whole merge's total (the function's share is its callers' root value over this).</param>
/// <param name="Callers">The function at the root; each child is a caller, its children the callers' callers.</param>
/// <param name="Callees">The function at the root; its children are what it calls.</param>
internal sealed record Sandwich(string Type, string Name, string Unit, bool Gauge, int Profiles, string Function, long Total, FlameNode Callers, FlameNode Callees);

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>
/// What to change so that the running sessions match the desired ones, plus the Events to record. Updates are
/// running sessions whose settings or tags changed: the applier flushes the current period and goes on with the new
/// settings. <see cref="NoProcessScans"/> is the planner's memory of pods without a .NET process, for the next plan.
/// </summary>
internal sealed record SessionPlan(
    IReadOnlyList<SessionSpec> Starts,
    IReadOnlyList<SessionStop> Stops,
    IReadOnlyList<SessionSpec> Updates,
    IReadOnlyList<PodReport> Reports,
    IReadOnlyDictionary<string, int> NoProcessScans)
{
    public bool HasSessionChanges => Starts.Count > 0 || Stops.Count > 0 || Updates.Count > 0;
}

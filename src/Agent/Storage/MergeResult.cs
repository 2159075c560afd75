namespace Flamewatch.Agent.Storage;

/// <summary>
/// The self values per call-tree node (index = node id) of the profiles a query selected: summed for a counter type,
/// averaged over time for a gauge (see <see cref="ProfileStore.Merge"/>).
/// </summary>
/// <param name="Start">Start of the earliest selected profile; null when none was selected.</param>
/// <param name="End">End of the latest selected profile; null when none was selected.</param>
internal sealed record MergeResult(string Type, long[] SelfByNode, int ProfileCount, bool Gauge = false, DateTimeOffset? Start = null, DateTimeOffset? End = null);

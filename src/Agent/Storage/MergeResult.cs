namespace Flamewatch.Agent.Storage;

/// <summary>Summed self values per call-tree node (index = node id) of the profiles a query selected.</summary>
internal sealed record MergeResult(string Type, long[] SelfByNode, int ProfileCount);

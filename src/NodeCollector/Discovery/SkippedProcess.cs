namespace Flamewatch.NodeCollector.Discovery;

/// <summary>A process of a requested pod that discovery leaves alone this scan.</summary>
internal sealed record SkippedProcess(int HostPid, string PodUid, string? ContainerId, SkipReason Reason);

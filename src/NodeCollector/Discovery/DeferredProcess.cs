using Flamewatch.Profiling.Attach;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// A process of a requested pod whose inspection failed (permission denied, timed out, I/O error). Discovery does not
/// look at it again before <see cref="RetryAt"/>; a process already discovered stays in <see cref="DiscoveryScan.Processes"/> meanwhile.
/// </summary>
internal sealed record DeferredProcess(int HostPid, string PodUid, AttachOutcome Outcome, string Reason, DateTimeOffset RetryAt);

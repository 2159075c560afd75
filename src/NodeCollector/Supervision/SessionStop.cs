using Flamewatch.NodeCollector.Discovery;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>A running session to stop, and why.</summary>
internal sealed record SessionStop(ProcessKey Process, StopReason Reason);

/// <summary>Why the planner stops a session.</summary>
internal enum StopReason
{
    /// <summary>The pod was deleted, left this node, or lost <c>flamewatch.io/enabled: "true"</c>.</summary>
    PodNotProfiled,

    /// <summary>The process exited (or is no longer a .NET process discovery can attach to).</summary>
    ProcessGone,
}

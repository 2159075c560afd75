namespace Flamewatch.NodeCollector.Discovery;

/// <summary>A process instance: host PID plus start time, so a reused PID is a different process.</summary>
internal readonly record struct ProcessKey(int HostPid, ulong StartTime);

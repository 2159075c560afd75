namespace Flamewatch.NodeCollector.Discovery;

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> discovery uses.</summary>
/// <param name="State">Field 3, e.g. <c>R</c>, <c>S</c>, <c>Z</c> (zombie).</param>
/// <param name="StartTime">Field 22: clock ticks since boot; the .NET runtime uses it to name its diagnostic socket.</param>
internal readonly record struct ProcStat(char State, int ParentPid, ulong StartTime);

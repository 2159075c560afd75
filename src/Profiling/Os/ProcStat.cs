namespace Flamewatch.Profiling.Os;

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> that profiling and discovery use.</summary>
/// <param name="Name">Field 2, the kernel's command name (<c>comm</c>).</param>
/// <param name="State">Field 3, e.g. <c>R</c>, <c>S</c>, <c>Z</c> (zombie).</param>
/// <param name="CpuTicks">Fields 14 + 15, utime + stime in clock ticks.</param>
/// <param name="StartTime">Field 22: clock ticks since boot; the .NET runtime uses it to name its diagnostic socket.</param>
internal readonly record struct ProcStat(string Name, char State, int ParentPid, long CpuTicks, ulong StartTime);

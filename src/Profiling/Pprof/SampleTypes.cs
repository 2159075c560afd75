namespace Flamewatch.Profiling.Pprof;

/// <summary>
/// The dimensions of a Flamewatch profile, named as Datadog's .NET profiler names them, in value order. Every profile
/// carries the first five (zero where a dimension does not apply); the exception and lock-contention types only when
/// they are collected.
/// </summary>
internal static class SampleTypes
{
    public const int CpuTime = 0;
    public const int WallTime = 1;
    public const int AllocSamples = 2;
    public const int AllocSize = 3;
    public const int InuseSpace = 4;
    public const int Exceptions = 5;
    public const int LockCount = 6;
    public const int LockTime = 7;

    public static readonly IReadOnlyList<(string Type, string Unit)> All =
    [
        ("cpu-time", "nanoseconds"),
        ("wall-time", "nanoseconds"),
        ("alloc-samples", "count"),
        ("alloc-size", "bytes"),
        ("inuse-space", "bytes"),
        ("exception", "count"),
        ("lock-count", "count"),
        ("lock-time", "nanoseconds"),
    ];

    public const string ThreadIdLabel = "thread id";
    public const string ThreadNameLabel = "thread name";
    public const string AllocationClassLabel = "allocation class";
    public const string ExceptionTypeLabel = "exception type";

    /// <summary>The indexes into <see cref="All"/> a profile collecting <paramref name="types"/> carries.</summary>
    public static int[] Carried(ProfileTypes types)
    {
        var carried = new List<int> { CpuTime, WallTime, AllocSamples, AllocSize, InuseSpace };
        if ((types & ProfileTypes.Exceptions) != 0)
        {
            carried.Add(Exceptions);
        }
        if ((types & ProfileTypes.LockContention) != 0)
        {
            carried.Add(LockCount);
            carried.Add(LockTime);
        }
        return [.. carried];
    }
}

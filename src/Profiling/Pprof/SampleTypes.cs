namespace Flamewatch.Profiling.Pprof;

/// <summary>
/// The five dimensions of a Flamewatch profile, named as Datadog's .NET profiler names them, in value order.
/// Every sample carries all five values (zero where a dimension does not apply).
/// </summary>
internal static class SampleTypes
{
    public const int CpuTime = 0;
    public const int WallTime = 1;
    public const int AllocSamples = 2;
    public const int AllocSize = 3;
    public const int InuseSpace = 4;

    public static readonly IReadOnlyList<(string Type, string Unit)> All =
    [
        ("cpu-time", "nanoseconds"),
        ("wall-time", "nanoseconds"),
        ("alloc-samples", "count"),
        ("alloc-size", "bytes"),
        ("inuse-space", "bytes"),
    ];

    public const string ThreadIdLabel = "thread id";
    public const string ThreadNameLabel = "thread name";
    public const string AllocationClassLabel = "allocation class";
}

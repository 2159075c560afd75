namespace Flamewatch.Profiling;

/// <summary>What and how to profile. Defaults are the product defaults (45 s periods, 100 Hz, the five default dimensions).</summary>
public sealed class ProfilingOptions
{
    /// <summary>Aggregation window; one profile per period. 1 s – 10 min.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Average thread samples per second. 1–1000.</summary>
    public int FrequencyHz { get; set; } = 100;

    /// <summary>
    /// What to collect. CPU or wall time needs the thread sampler; allocations, allocated memory and heap live size
    /// need allocation sampling; heap live size also follows sampled objects through GCs; exceptions and lock
    /// contention need the runtime's exception and contention events. Default: <see cref="ProfileTypes.Default"/>.
    /// </summary>
    public ProfileTypes ProfileTypes { get; set; } = ProfileTypes.Default;

    internal bool Sampling => (ProfileTypes & (ProfileTypes.Cpu | ProfileTypes.Wall)) != 0;

    internal bool Allocations => (ProfileTypes & (ProfileTypes.Allocations | ProfileTypes.AllocatedMemory | ProfileTypes.HeapLiveSize)) != 0;

    internal bool HeapLiveSize => (ProfileTypes & ProfileTypes.HeapLiveSize) != 0;

    internal bool Exceptions => (ProfileTypes & ProfileTypes.Exceptions) != 0;

    internal bool LockContention => (ProfileTypes & ProfileTypes.LockContention) != 0;

    /// <summary>
    /// Use <c>GCAllocationTick</c> instead of .NET 10's <c>AllocationSampled</c>. Needed where another tool relies on
    /// allocation ticks: enabling AllocationSampled silences them for every session of the process. Runtimes before
    /// .NET 10 always use ticks.
    /// </summary>
    public bool UseAllocationTicks { get; set; }

    /// <summary>Service name sent with every profile.</summary>
    public string ApplicationName { get; set; } = "dotnet";

    /// <summary>Tags sent with every profile.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>();

    /// <summary>
    /// Run the first sampler slice as soon as the session starts instead of at a random phase, so that a short-lived
    /// program's first seconds are sampled (the in-process <c>Flamewatch.Profiler</c> sets it).
    /// </summary>
    internal bool FirstSliceAtStart { get; set; }

    /// <summary>Profiles waiting for the exporter; beyond that they are dropped and counted.</summary>
    public int ExportQueueCapacity { get; set; } = 4;

    /// <summary>Returns every problem with the options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Period < TimeSpan.FromSeconds(1) || Period > TimeSpan.FromMinutes(10))
        {
            errors.Add($"period must be between 1s and 10m (got {Period}).");
        }
        if (FrequencyHz is < 1 or > 1000)
        {
            errors.Add($"frequency must be between 1 and 1000 Hz (got {FrequencyHz}).");
        }
        if (ProfileTypes == ProfileTypes.None || (ProfileTypes & ~ProfileTypes.All) != 0)
        {
            errors.Add("profile types must name at least one of cpu, wall, allocations, allocatedMemory, heapLiveSize, exceptions, lockContention.");
        }
        if (ExportQueueCapacity < 1)
        {
            errors.Add("export queue capacity must be at least 1.");
        }
        if (string.IsNullOrWhiteSpace(ApplicationName))
        {
            errors.Add("application name must not be empty.");
        }
        return errors;
    }
}

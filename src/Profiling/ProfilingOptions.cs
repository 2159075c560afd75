namespace Flamewatch.Profiling;

/// <summary>What and how to profile. Defaults are the product defaults (45 s periods, 100 Hz, the five default dimensions).</summary>
public sealed class ProfilingOptions
{
    /// <summary>
    /// Shortest period of a session: below <see cref="SettingsRules.MinPeriod"/>, for the collector's local
    /// <c>profile</c> command and tests, which want a profile within seconds.
    /// </summary>
    public static readonly TimeSpan MinSessionPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Aggregation window; one profile per period. 1 s – 10 min.</summary>
    public TimeSpan Period { get; set; } = SettingsRules.DefaultPeriod;

    /// <summary>Average thread samples per second. 1–1000.</summary>
    public int FrequencyHz { get; set; } = SettingsRules.DefaultSamplingFrequency;

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
        if (Period < MinSessionPeriod || Period > SettingsRules.MaxPeriod)
        {
            errors.Add($"period: {GoDuration.Format(Period)} is outside the allowed range {GoDuration.Format(MinSessionPeriod)} to {GoDuration.Format(SettingsRules.MaxPeriod)}.");
        }
        if (SettingsRules.SamplingFrequency(FrequencyHz) is { } frequencyError)
        {
            errors.Add($"frequency: {frequencyError}.");
        }
        if (SettingsRules.ProfileTypes(ProfileTypes) is { } typesError)
        {
            errors.Add($"profile types: {typesError}.");
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

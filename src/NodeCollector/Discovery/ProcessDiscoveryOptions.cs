namespace Flamewatch.NodeCollector.Discovery;

/// <summary>Limits of <see cref="ProcessDiscovery"/>.</summary>
internal sealed class ProcessDiscoveryOptions
{
    /// <summary>How long one process's inspection may take before it is given up and deferred.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a process whose inspection failed is left alone.</summary>
    public TimeSpan DeferDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound on entries of each cache (cgroup identities, deferred set); beyond it nothing new is cached.</summary>
    public int MaxCachedProcesses { get; set; } = 32_768;

    /// <summary>Inspections run at once.</summary>
    public int MaxConcurrentProbes { get; set; } = 8;

    /// <summary>The failures found in these values; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (ProbeTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(ProbeTimeout)} must be positive, got {ProbeTimeout}.");
        }

        if (DeferDuration < TimeSpan.Zero)
        {
            failures.Add($"{nameof(DeferDuration)} must not be negative, got {DeferDuration}.");
        }

        if (MaxCachedProcesses < 1)
        {
            failures.Add($"{nameof(MaxCachedProcesses)} must be at least 1, got {MaxCachedProcesses}.");
        }

        if (MaxConcurrentProbes < 1)
        {
            failures.Add($"{nameof(MaxConcurrentProbes)} must be at least 1, got {MaxConcurrentProbes}.");
        }

        return failures;
    }
}

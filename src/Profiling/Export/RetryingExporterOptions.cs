namespace Flamewatch.Profiling.Export;

/// <summary>Queue and backoff settings of <see cref="RetryingExporter"/>.</summary>
public sealed class RetryingExporterOptions
{
    /// <summary>Uploads waiting at most; when full, the oldest is dropped (and counted).</summary>
    public int Capacity { get; set; } = 16;

    /// <summary>Backoff before the first retry; doubled each further attempt.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest backoff between two attempts (also caps a receiver's Retry-After).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts per upload, the first included; then it is abandoned (and counted).</summary>
    public int MaxAttempts { get; set; } = 6;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 1, nameof(Capacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
    }
}

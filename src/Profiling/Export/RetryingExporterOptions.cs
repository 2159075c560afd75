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

    /// <summary>
    /// How long closing (<see cref="RetryingExporter.DisposeAsync"/>) may spend delivering what is still queued: one
    /// deadline for the whole queue, not per upload. What is unsent then is abandoned and counted. Default 10 s, the
    /// default upload timeout; zero abandons the queue at once.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest <see cref="DrainTimeout"/> (and <see cref="RetryingExporter.CloseAsync"/> timeout) accepted.</summary>
    public static readonly TimeSpan MaxDrainTimeout = TimeSpan.FromDays(1);

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> + 1: exponential, with jitter in [b/2, b] so that
    /// clients that failed together do not retry together; at least <paramref name="retryAfter"/>; at most <see cref="MaxBackoff"/>.
    /// </summary>
    public TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var capped = Math.Min(exponential, MaxBackoff.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
        if (retryAfter is { } after && after > delay)
        {
            delay = after < MaxBackoff ? after : MaxBackoff;
        }
        return delay;
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 1, nameof(Capacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(DrainTimeout, TimeSpan.Zero, nameof(DrainTimeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DrainTimeout, MaxDrainTimeout, nameof(DrainTimeout));
    }
}

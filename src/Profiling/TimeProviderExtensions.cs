namespace Flamewatch.Profiling;

internal static class TimeProviderExtensions
{
    /// <summary>Waits until <paramref name="when"/> on <paramref name="time"/>'s clock; throws if cancelled, even when already due.</summary>
    public static async Task DelayUntilAsync(this TimeProvider time, DateTimeOffset when, CancellationToken cancellationToken)
    {
        var wait = when - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }
}

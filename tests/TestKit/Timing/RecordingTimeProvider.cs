using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Flamewatch.TestKit.Timing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> (time moves only when the test advances it) that records the due time of every
/// one-shot timer created on it, i.e. every wait the code under test chose (<c>Task.Delay(wait, time)</c>), so a test
/// can assert the wait itself and then move time past it instead of waiting it out.
/// </summary>
public sealed class RecordingTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _waits = new();

    /// <summary>The waits asked for so far, oldest first.</summary>
    public IReadOnlyList<TimeSpan> Waits => [.. _waits];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan && period == Timeout.InfiniteTimeSpan)
        {
            _waits.Enqueue(dueTime);
        }

        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Polls until the code under test has asked for its <paramref name="count"/>-th wait, and returns that wait.</summary>
    public async Task<TimeSpan> NthWaitAsync(int count, CancellationToken cancellationToken)
    {
        await Eventually.UntilAsync(() => _waits.Count >= count, cancellationToken).ConfigureAwait(false);
        return Waits[count - 1];
    }
}

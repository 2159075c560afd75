using Flamewatch.Profiling.Sampling;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class ContentionTimerTests
{
    private static readonly ulong[] Waiting = [0x10, 0x100];

    [Fact]
    public void The_runtimes_duration_wins_and_the_start_gives_the_stack()
    {
        var timer = new ContentionTimer();
        timer.Start(1, 100, Waiting);
        var wait = timer.Stop(1, 105, 4_200_000, []);
        Assert.Equal((4_200_000, Waiting), wait!.Value);
        Assert.Equal(1, timer.Measured);
    }

    [Fact]
    public void Without_a_duration_the_start_and_stop_of_the_thread_are_paired()
    {
        var timer = new ContentionTimer();
        timer.Start(1, 100, Waiting);
        timer.Start(2, 101, [0x20]);
        Assert.Equal(3_000_000, timer.Stop(1, 103, null, [])!.Value.Nanoseconds, 1e-3);
        Assert.Null(timer.Stop(1, 104, null, []));
        Assert.Equal(1, timer.Paired);
        Assert.Equal(1, timer.Unpaired);
    }

    [Fact]
    public void Pending_starts_are_capped_and_the_excess_counted()
    {
        var timer = new ContentionTimer();
        for (var thread = 0; thread < ContentionTimer.MaxPendingThreads + 3; thread++)
        {
            timer.Start(thread, 1, Waiting);
        }
        Assert.Equal(3, timer.Unpaired);
        Assert.NotNull(timer.Stop(0, 2, null, []));
    }
}

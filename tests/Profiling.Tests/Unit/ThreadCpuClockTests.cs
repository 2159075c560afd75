using System.Diagnostics;
using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class ThreadCpuClockTests
{
    [Fact]
    public void A_lap_holds_each_thread_s_name_and_the_CPU_it_spent_since_the_previous_lap()
    {
        var clock = new ThreadCpuClock(Environment.ProcessId, ProcFs.Host);
        var spinner = new Thread(() =>
        {
            var watch = Stopwatch.StartNew();
            while (watch.ElapsedMilliseconds < 300)
            {
                Thread.SpinWait(1000);
            }
            Thread.Sleep(Timeout.Infinite);
        })
        {
            IsBackground = true,
            Name = "cpu-lap-spin",
        };
        clock.Start();
        spinner.Start();
        Thread.Sleep(1000);

        var first = clock.Lap();
        var second = clock.Lap();

        // The runtime gives the OS thread the managed thread's name.
        var tid = Assert.Single(first, t => t.Value.Name == "cpu-lap-spin").Key;
        // /proc counts in 10 ms ticks; a loaded machine may deschedule the spinner, never add to it.
        Assert.InRange(first[tid].CpuNanoseconds!.Value, 50_000_000, 400_000_000);
        // Sleeping since: the next lap adds (almost) nothing.
        Assert.InRange(second[tid].CpuNanoseconds!.Value, 0, 20_000_000);
    }
}

using System.Diagnostics;
using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class ThreadCpuSamplerTests
{
    [Fact]
    public void The_kernel_readings_tell_a_spinning_interval_from_a_sleeping_one()
    {
        using var sampler = new ThreadCpuSampler(Environment.ProcessId, ProcFs.Host, TimeSpan.FromMilliseconds(2));
        long spinFrom = 0, spinTo = 0, sleepFrom = 0, sleepTo = 0;
        var tid = 0;
        var worker = new Thread(() =>
        {
            tid = ProcFsTid();
            Thread.Sleep(100);   // lets the readings start
            spinFrom = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(spinFrom) < TimeSpan.FromMilliseconds(300))
            {
            }
            spinTo = sleepFrom = Stopwatch.GetTimestamp();
            Thread.Sleep(300);
            sleepTo = Stopwatch.GetTimestamp();
            Thread.Sleep(50);
        });
        sampler.Resume();
        worker.Start();
        worker.Join();
        sampler.Pause();

        var margin = Stopwatch.Frequency / 50;   // 20 ms off each phase's edges
        var spinning = sampler.CpuShare(tid, spinFrom + margin, spinTo - margin);
        var sleeping = sampler.CpuShare(tid, sleepFrom + margin, sleepTo - margin);
        Assert.True(sampler.ReadingCount > 100, $"{sampler.ReadingCount} readings");
        Assert.NotNull(spinning);
        Assert.NotNull(sleeping);
        // On a loaded machine a spinning thread can wait for a core: it still runs most of the time.
        Assert.InRange(spinning.Value, 0.5, 1.0);
        Assert.InRange(sleeping.Value, 0.0, 0.05);
        Assert.Null(sampler.CpuShare(tid, sleepTo + (Stopwatch.Frequency * 10), sleepTo + (Stopwatch.Frequency * 11)));
    }

    private static int ProcFsTid() => int.Parse(new DirectoryInfo("/proc/thread-self").ResolveLinkTarget(false)!.Name, System.Globalization.CultureInfo.InvariantCulture);
}

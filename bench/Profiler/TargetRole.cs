using System.Diagnostics;
using System.Globalization;
using Flamewatch.TestKit.TargetApp;

namespace Flamewatch.Bench.Profiler;

/// <summary>
/// The benchmark's target: the test target's hot loop and sleeper, plus an in-process <see cref="global::Flamewatch.Profiler"/>
/// started on command. Reads commands on stdin, one per line — <c>measure &lt;seconds&gt; none|inprocess</c> — and
/// answers each with one <c>result</c> line: hot-loop iterations per second, and the CPU seconds of the whole process
/// and of the two workload threads (from /proc/self), measured over the window.
/// </summary>
internal static class TargetRole
{
    public const string Argument = "--target";

    public static async Task<int> RunAsync(string agentAddress)
    {
        var workloads = new Workloads();
        new Thread(workloads.RunHotLoop) { IsBackground = true, Name = Workloads.HotThreadName }.Start();
        new Thread(Workloads.RunSleeper) { IsBackground = true, Name = Workloads.SleeperThreadName }.Start();
        Console.WriteLine($"ready pid={Environment.ProcessId}");
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts is not ["measure", var seconds, var mode])
            {
                continue;
            }
            var window = TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture));
            global::Flamewatch.Profiler? profiler = null;
            if (mode == "inprocess")
            {
                profiler = new global::Flamewatch.Profiler(applicationName: "bench-inprocess", period: TimeSpan.FromSeconds(10), uploadTimeout: TimeSpan.FromSeconds(5),
                    agentAddress: agentAddress);
                profiler.Start();
                await Task.Delay(TimeSpan.FromSeconds(1));   // Leave out attaching, as for the collector.
            }
            var before = Snapshot(workloads);
            await Task.Delay(window);
            var after = Snapshot(workloads);
            if (profiler is not null)
            {
                await profiler.DisposeAsync();
            }
            var elapsed = (after.At - before.At).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"result iterations_per_s={(after.Iterations - before.Iterations) / elapsed:F0} process_cpu_s={after.ProcessCpu - before.ProcessCpu:F2} workload_cpu_s={after.WorkloadCpu - before.WorkloadCpu:F2} seconds={elapsed:F2} uploads={profiler?.Statistics.UploadsSucceeded ?? 0}"));
        }
        return 0;
    }

    private static (DateTimeOffset At, long Iterations, double ProcessCpu, double WorkloadCpu) Snapshot(Workloads workloads)
    {
        var at = DateTimeOffset.UtcNow;
        var iterations = Interlocked.Read(ref workloads.Iterations);
        double workload = 0;
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            if (CpuSeconds(Path.Combine(task, "stat")) is ({ } name, var cpu) && name is Workloads.HotThreadName or Workloads.SleeperThreadName)
            {
                workload += cpu;
            }
        }
        var process = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        return (at, iterations, process, workload);
    }

    /// <summary>The thread's name (comm) and utime + stime in seconds, from a /proc stat file.</summary>
    private static (string? Name, double Cpu) CpuSeconds(string statPath)
    {
        try
        {
            var stat = File.ReadAllText(statPath);
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (stat[(open + 1)..close], ticks / 100.0);
        }
        catch (IOException)
        {
            return (null, 0);
        }
    }
}

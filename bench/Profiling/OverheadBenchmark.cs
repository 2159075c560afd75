using System.Globalization;

namespace Flamewatch.Bench.Profiling;

/// <summary>
/// Runs the target pinned to CPU 0 and each collector pinned to CPU 1, alternating a baseline window (no profiling)
/// with a profiled window on the same long-lived target. Throughput = the target's hot-loop iterations/s from one
/// second after the collector's session started to its end, over the mean of the baseline windows just before and
/// after. Collector CPU = its utime+stime (polled from /proc) per 10 s, in steady state (from 4 s after the session
/// started, so its own JIT warm-up is left out; period ends with rundown and pprof encoding are included) and over
/// the whole session; RSS = its peak VmHWM. Machine load from other processes shows up as spread between rounds.
/// </summary>
internal sealed class OverheadBenchmark(int rounds, TimeSpan window)
{
    private static readonly string Dir = AppContext.BaseDirectory;
    private static readonly string TargetDll = Path.Combine(Dir, "Flamewatch.TestKit.TargetApp.dll");
    private static readonly string CollectorDll = Path.Combine(Dir, "flamewatch-collector.dll");
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(4);
    private readonly string _work = Directory.CreateTempSubdirectory("flamewatch-bench-").FullName;

    public async Task<int> RunAsync()
    {
        Console.WriteLine($"target: hot loop + sleeping thread, pinned to CPU 0; collectors pinned to CPU 1; {rounds} rounds of {window.TotalSeconds:0} s windows");
        var dotnetTrace = await InstallDotnetTraceAsync();
        var results = new List<Result>();
        try
        {
            using (var target = StartTarget(null))
            {
                await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(30));
                await Task.Delay(TimeSpan.FromSeconds(3));   // warm-up: tiering settles
                for (var r = 0; r < rounds; r++)
                {
                    results.Add(await MeasureAsync(target, "Flamewatch 100 Hz, duty-cycled (no env knob)", FlamewatchArgs(target.Pid, window * 2, window)));
                    if (dotnetTrace is not null)
                    {
                        results.Add(await MeasureAsync(target, "dotnet-trace collect (defaults)",
                            [dotnetTrace, "collect", "-p", target.Pid.ToString(CultureInfo.InvariantCulture), "--duration", Format(window), "-o", Path.Combine(_work, $"trace{r}.nettrace")],
                            startedLine: "Process"));
                    }
                }
                // One full 45 s default period for the pprof size (and a longer throughput window).
                results.Add(await MeasureAsync(target, "Flamewatch 100 Hz, duty-cycled, one 45 s period", FlamewatchArgs(target.Pid, TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(45)), pprofSize: true));
            }
            using (var target = StartTarget(new Dictionary<string, string> { ["DOTNET_EventPipeThreadSamplingRate"] = "A" }))
            {
                await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(30));
                await Task.Delay(TimeSpan.FromSeconds(3));
                for (var r = 0; r < rounds; r++)
                {
                    results.Add(await MeasureAsync(target, "Flamewatch 100 Hz, continuous (DOTNET_EventPipeThreadSamplingRate=A)", FlamewatchArgs(target.Pid, window * 2, window)));
                }
            }
        }
        finally
        {
            Directory.Delete(_work, recursive: true);
        }
        Print(results);
        return 0;
    }

    /// <summary>
    /// The targets of <see cref="RunNewTypesAsync"/>: the exception-heavy one (requests of ≈ 40 µs that each end in a
    /// throw: ≈ 30,000 throws/s on one core), a storm (one thread throwing and catching as fast as it can, ≈ 500,000/s:
    /// the worst case, printed without a goal) and the contention-heavy one (four threads handling requests of ≈ 13 µs
    /// that each enter one shared lock, every eighth yielding inside it: ≈ 75,000 requests and 14,000 contended entries
    /// a second on one core).
    /// </summary>
    private static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(45);

    private static readonly (string Scenario, string Type, string Label, bool Goal)[] Targets =
    [
        ("throwheavy", "exceptions", "exception-heavy target (requests/s, one throw each)", true),
        ("storm", "exceptions", "exception storm (throws/s)", false),
        ("lockheavy", "lockContention", "contention-heavy target (requests/s, one lock entry each)", true),
    ];

    /// <summary>
    /// Exceptions and lock contention on the <see cref="Targets"/>, pinned to CPU 0: Flamewatch (default period) with the
    /// default types (off) and with the new type added (on), alternating in one run. Throughput = the target's requests, throws or
    /// lock acquisitions per second; the on ÷ off ratio of each round's medians is printed.
    /// </summary>
    public async Task<int> RunNewTypesAsync()
    {
        Console.WriteLine($"exceptions and lock contention: targets pinned to CPU 0, collector to CPU 1; {rounds} rounds of {window.TotalSeconds:0} s windows");
        var results = new List<Result>();
        var rows = new List<(string Target, string Off, string On, bool Goal, double ThrowsPerSecond)>();
        try
        {
            // BENCH_NEW_TYPES=lockheavy (or a comma-separated list of scenarios) measures those targets only.
            var only = Environment.GetEnvironmentVariable("BENCH_NEW_TYPES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var (scenario, type, label, goal) in Targets.Where(t => only is not { Length: > 0 } || only.Contains(t.Scenario)))
            {
                using var target = new BenchProcess("taskset", ["-c", "0", "dotnet", TargetDll, scenario]);
                await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(30));
                await Task.Delay(TimeSpan.FromSeconds(3));
                var throwsFrom = DateTimeOffset.UtcNow;
                await Task.Delay(TimeSpan.FromSeconds(3));
                var throwsPerSecond = target.MeanIterations(throwsFrom, DateTimeOffset.UtcNow);
                var off = $"{label}: Flamewatch default types";
                var on = $"{label}: Flamewatch default types + {type}";
                for (var r = 0; r < rounds; r++)
                {
                    // The default period: how often exceptions are sliced depends on it (a few slices a period).
                    results.Add(await MeasureAsync(target, off, [.. FlamewatchArgs(target.Pid, window * 2, DefaultPeriod), "--profile-types", "cpu,wall,allocations,allocatedMemory,heapLiveSize"]));
                    results.Add(await MeasureAsync(target, on, [.. FlamewatchArgs(target.Pid, window * 2, DefaultPeriod), "--profile-types", $"cpu,wall,allocations,allocatedMemory,heapLiveSize,{type}"]));
                }
                rows.Add((label, off, on, goal, type == "exceptions" ? throwsPerSecond : double.NaN));
            }
        }
        finally
        {
            Directory.Delete(_work, recursive: true);
        }
        Print(results);
        Console.WriteLine();
        Console.WriteLine("new types on ÷ off (throughput ratio medians; goal ≥ 0.97 on the exception-heavy and contention-heavy targets):");
        foreach (var (label, off, on, goal, throwsPerSecond) in rows)
        {
            double Median(string name)
            {
                var ratios = results.Where(r => r.Name == name).Select(r => r.Ratio).Order().ToList();
                return ratios[ratios.Count / 2];
            }
            var rate = double.IsNaN(throwsPerSecond) ? "" : $", {throwsPerSecond:N0} throws/s unprofiled";
            Console.WriteLine($"  {label,-55} {Median(on) / Median(off):F3} (on {Median(on):F3}, off {Median(off):F3} of the unprofiled baseline{rate}){(goal ? "" : " — worst case, no goal")}");
        }
        return 0;
    }

    private static BenchProcess StartTarget(IReadOnlyDictionary<string, string>? environment) =>
        new("taskset", ["-c", "0", "dotnet", TargetDll, "hot", "sleep"], environment);

    private string[] FlamewatchArgs(int pid, TimeSpan duration, TimeSpan period) =>
        ["dotnet", CollectorDll, "profile", "--pid", pid.ToString(CultureInfo.InvariantCulture), "--duration", $"{duration.TotalSeconds:0}s",
         "--period", $"{period.TotalSeconds:0}s", "--output", Path.Combine(_work, $"fw-{Guid.NewGuid():N}") + (duration > period ? "/" : ".pb.gz")];

    private async Task<Result> MeasureAsync(BenchProcess target, string name, string[] command, string startedLine = "Profiling process", bool pprofSize = false)
    {
        var (before, beforePerCpu) = await BaselineAsync(target);

        using var collector = new BenchProcess("taskset", ["-c", "1", .. command]);
        var started = await collector.WaitForLineAsync(startedLine, TimeSpan.FromSeconds(60));
        var cpuAtStart = collector.CpuTicks;
        // Steady state: leave out the collector's first seconds (its own JIT warm-up), keep every period end.
        await Task.Delay(Warmup);
        var cpuAfterWarmup = collector.CpuTicks;
        var warmedAt = DateTimeOffset.UtcNow;
        await collector.WaitForExitAsync(window + TimeSpan.FromSeconds(120));
        var ended = DateTimeOffset.UtcNow;
        var profiled = target.MeanIterations(started.AddSeconds(1), ended);
        var profiledPerCpu = target.IterationsPerCpuSecond(started.AddSeconds(1), ended);
        var steadyCpu = (collector.CpuTicks - cpuAfterWarmup) / 100.0 * 10 / (ended - warmedAt).TotalSeconds;
        var sessionCpu = (collector.CpuTicks - cpuAtStart) / 100.0 * 10 / (ended - started).TotalSeconds;

        var (after, afterPerCpu) = await BaselineAsync(target);
        var baseline = (before + after) / 2;
        var baselinePerCpu = (beforePerCpu + afterPerCpu) / 2;
        long? bytes = null;
        if (pprofSize)
        {
            var output = command[^1];
            bytes = output.EndsWith('/') && Directory.Exists(output)
                ? Directory.GetFiles(output).Max(f => (long?)new FileInfo(f).Length)
                : File.Exists(output) ? new FileInfo(output).Length : null;
        }
        var result = new Result(name, profiled / baseline, profiledPerCpu / baselinePerCpu, steadyCpu, sessionCpu, collector.PeakRssKb / 1024.0, collector.PeakPrivateKb / 1024.0, bytes, collector.ExitCode);
        Console.WriteLine($"  {name}: ratio {result.Ratio:F3} (baseline {baseline:F0} it/s, profiled {profiled:F0} it/s), per target CPU-s {result.CpuRatio:F3}, collector {steadyCpu:F2} CPU-s/10 s steady ({sessionCpu:F2} incl. warm-up), peak RSS {result.PeakRssMb:F0} MB (private {result.PeakPrivateMb:F0} MB){(bytes is null ? "" : $", pprof {bytes} bytes")}, exit {result.ExitCode}");
        return result;
    }

    private async Task<(double PerSecond, double PerCpuSecond)> BaselineAsync(BenchProcess target)
    {
        var start = DateTimeOffset.UtcNow;
        await Task.Delay(window);
        var end = DateTimeOffset.UtcNow;
        return (target.MeanIterations(start.AddSeconds(1), end), target.IterationsPerCpuSecond(start.AddSeconds(1), end));
    }

    private async Task<string?> InstallDotnetTraceAsync()
    {
        var toolDir = Path.GetFullPath(Path.Combine(Dir, "..", "..", "..", "..", "..", "artifacts", "tools"));
        var tool = Path.Combine(toolDir, "dotnet-trace");
        if (File.Exists(tool))
        {
            return tool;
        }
        foreach (var version in new[] { "10.0.750501", null })
        {
            string[] args = version is null
                ? ["tool", "install", "dotnet-trace", "--tool-path", toolDir]
                : ["tool", "install", "dotnet-trace", "--version", version, "--tool-path", toolDir];
            using var install = new BenchProcess("dotnet", args);
            await install.WaitForExitAsync(TimeSpan.FromMinutes(3));
            if (File.Exists(tool))
            {
                return tool;
            }
        }
        Console.WriteLine("  dotnet-trace could not be installed from the package feed; its row is skipped");
        return null;
    }

    private static string Format(TimeSpan t) => $"{(int)t.TotalDays:00}:{t.Hours:00}:{t.Minutes:00}:{t.Seconds:00}";

    private static void Print(List<Result> results)
    {
        Console.WriteLine();
        Console.WriteLine("throughput ratio = iterations/s profiled ÷ baseline; per target CPU-s = iterations per CPU-second the target got, profiled ÷ baseline");
        Console.WriteLine($"{"configuration",-70} {"throughput ratio (median, range)",33} {"per target CPU-s (median, range)",33} {"CPU-s/10 s",11} {"(incl. warm-up)",16} {"peak RSS MB",12} {"(private)",10} {"pprof bytes",12}");
        foreach (var group in results.GroupBy(r => r.Name))
        {
            var ratios = group.Select(r => r.Ratio).Order().ToList();
            var median = ratios[ratios.Count / 2];
            var cpuRatios = group.Select(r => r.CpuRatio).Order().ToList();
            var bytes = group.Select(r => r.PprofBytes).FirstOrDefault(b => b is not null);
            Console.WriteLine($"{group.Key,-70} {median,17:F3} ({ratios.First():F3}-{ratios.Last():F3}) {cpuRatios[cpuRatios.Count / 2],17:F3} ({cpuRatios.First():F3}-{cpuRatios.Last():F3}) {group.Average(r => r.CpuPer10s),11:F2} {group.Average(r => r.SessionCpuPer10s),16:F2} {group.Max(r => r.PeakRssMb),12:F0} {group.Max(r => r.PeakPrivateMb),10:F0} {(bytes is null ? "" : bytes.Value.ToString(CultureInfo.InvariantCulture)),12}");
        }
    }

    private sealed record Result(string Name, double Ratio, double CpuRatio, double CpuPer10s, double SessionCpuPer10s, double PeakRssMb, double PeakPrivateMb, long? PprofBytes, int ExitCode);
}

using System.Globalization;
using Flamewatch.TestKit.Profiles;
using Flamewatch.TestKit.Runtimes;
using Flamewatch.TestKit.TargetApp;

namespace Flamewatch.Bench.Profiling;

/// <summary>
/// Runtime × dimension, estimate ÷ truth: the target app published self-contained for each supported runtime, each
/// workload profiled for one period by the collector's local mode, the profile read back from its file and compared
/// with what the app itself counted. Then, per runtime, the target's throughput under the collector (pinned, side by
/// side with a baseline window on the same target).
/// </summary>
internal sealed class TruthMatrix(TimeSpan period)
{
    private static readonly string Workload = typeof(Workloads).FullName!;
    private static readonly string CollectorDll = Path.Combine(AppContext.BaseDirectory, "flamewatch-collector.dll");
    private readonly string _work = Directory.CreateTempSubdirectory("flamewatch-truth-").FullName;

    public async Task<int> RunAsync()
    {
        Console.WriteLine($"truth matrix: one {period.TotalSeconds:0} s period per workload and runtime (estimate ÷ truth; truth from the app's own counters)");
        var rows = new List<(string Runtime, Dictionary<string, string> Cells)>();
        try
        {
            foreach (var runtime in TargetRuntimes.All)
            {
                var cells = new Dictionary<string, string>();
                await CpuAndWallAsync(runtime, cells);
                await AllocationsAsync(runtime, cells);
                await ChurnAsync(runtime, cells);
                await OverheadAsync(runtime, cells);
                rows.Add((runtime, cells));
                Console.WriteLine($"  {runtime}: {string.Join(", ", cells.Select(c => $"{c.Key} {c.Value}"))}");
            }
        }
        finally
        {
            Directory.Delete(_work, recursive: true);
        }
        Print(rows);
        return 0;
    }

    private async Task CpuAndWallAsync(string runtime, Dictionary<string, string> cells)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "hot", "sleep");
        var reader = await ProfileAsync(target.Pid, period);
        bool Hot(Flamewatch.Profiling.Pprof.Sample s) => reader.OnThread(s, Workloads.HotThreadName);
        var a = reader.Sum("cpu-time", s => Hot(s) && reader.Leaf(s) == $"{Workload}.{nameof(Workloads.HotA)}");
        var b = reader.Sum("cpu-time", s => Hot(s) && reader.Leaf(s) == $"{Workload}.{nameof(Workloads.HotB)}");
        cells["CPU HotA share ÷ 0.70"] = Ratio((double)a / (a + b) / Workloads.HotAShare);
        var sleeperWall = reader.Sum("wall-time", s => reader.OnThread(s, Workloads.SleeperThreadName)) / 1e9;
        cells["sleeper wall ÷ period"] = Ratio(sleeperWall / (reader.End - reader.Start).TotalSeconds);
        var all = reader.Sum("wall-time");
        cells["unresolved samples"] = ((double)reader.Sum("wall-time", s => reader.Frames(s).Any(f => f.StartsWith("0x", StringComparison.Ordinal))) / all).ToString("P2", CultureInfo.InvariantCulture);
    }

    private async Task AllocationsAsync(string runtime, Dictionary<string, string> cells)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "alloc");
        var reader = await ProfileAsync(target.Pid, period);
        var retained = $"{Workload}.{nameof(Workloads.AllocateRetained)}";
        var transient = $"{Workload}.{nameof(Workloads.AllocateTransient)}";
        var seconds = (reader.End - reader.Start).TotalSeconds;
        var allocated = reader.Sum("alloc-size", s => reader.Frames(s).Any(f => f == retained || f == transient)) / seconds;
        cells["allocated bytes"] = Ratio(allocated / target.AllocatedBytesPerSecond(reader.Start, reader.End));
        var kept = Math.Min(target.RetainedBytesAllocated(reader.Start, reader.End), Workloads.RetainedCapacity * (Workloads.AllocationPayload + 24.0));
        cells["live at retaining site"] = Ratio(reader.Sum("inuse-space", s => reader.Leaf(s) == retained) / kept);
        cells["live ≤ GC heap"] = reader.Sum("inuse-space") <= reader.GcHeapBytes ? "yes" : "NO";
    }

    private async Task ChurnAsync(string runtime, Dictionary<string, string> cells)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "churn");
        var reader = await ProfileAsync(target.Pid, period);
        var transient = $"{Workload}.{nameof(Workloads.AllocateTransient)}";
        var allocated = reader.Sum("alloc-size", s => reader.Leaf(s) == transient);
        cells["live ÷ allocated at garbage site"] = ((double)reader.Sum("inuse-space", s => reader.Leaf(s) == transient) / allocated).ToString("P2", CultureInfo.InvariantCulture);
    }

    /// <summary>Hot-loop iterations/s of the target pinned to CPU 0, profiled (collector on CPU 1) ÷ unprofiled, same target.</summary>
    private async Task OverheadAsync(string runtime, Dictionary<string, string> cells)
    {
        using var target = new BenchProcess("taskset", ["-c", "0", await TargetRuntimes.TargetAppAsync(runtime), "hot", "sleep"]);
        await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = await WindowAsync(target, () => Task.Delay(period));
        var profiled = await WindowAsync(target, () => ProfileAsync(target.Pid, period, pinToCpu: 1));
        var after = await WindowAsync(target, () => Task.Delay(period));
        cells["throughput profiled ÷ not"] = Ratio(profiled / ((before + after) / 2));
    }

    private static async Task<double> WindowAsync(BenchProcess target, Func<Task> during)
    {
        var start = DateTimeOffset.UtcNow;
        await during();
        return target.MeanIterations(start.AddSeconds(1), DateTimeOffset.UtcNow);
    }

    private async Task<ProfileReader> ProfileAsync(int pid, TimeSpan duration, int? pinToCpu = null)
    {
        var output = Path.Combine(_work, $"{Guid.NewGuid():N}.pb.gz");
        string[] collector = ["dotnet", CollectorDll, "profile", "--pid", pid.ToString(CultureInfo.InvariantCulture), "--duration", $"{duration.TotalSeconds:0}s", "--output", output];
        using var process = pinToCpu is { } cpu ? new BenchProcess("taskset", ["-c", cpu.ToString(CultureInfo.InvariantCulture), .. collector]) : new BenchProcess(collector[0], collector[1..]);
        await process.WaitForExitAsync(duration + TimeSpan.FromSeconds(120));
        if (process.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"the collector failed (exit {process.ExitCode}): {string.Join('\n', process.Lines())}");
        }
        return ProfileReader.FromFile(output);
    }

    private static string Ratio(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static void Print(List<(string Runtime, Dictionary<string, string> Cells)> rows)
    {
        Console.WriteLine();
        var columns = rows.SelectMany(r => r.Cells.Keys).Distinct().ToList();
        Console.WriteLine($"{"dimension",-34} {string.Join(" ", rows.Select(r => $"{r.Runtime,10}"))}");
        foreach (var column in columns)
        {
            Console.WriteLine($"{column,-34} {string.Join(" ", rows.Select(r => $"{r.Cells.GetValueOrDefault(column, "-"),10}"))}");
        }
    }
}

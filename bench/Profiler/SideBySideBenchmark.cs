using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Flamewatch.Bench.Profiler;

/// <summary>
/// Each round runs five windows on one long-lived target pinned to CPU 0: baseline, in-process Profiler, baseline,
/// collector (pinned to CPU 1), baseline. A profiled window's throughput ratio is its hot-loop iterations/s over the
/// mean of the two baselines around it. "Extra CPU" is what the profiled process spent beyond its workload threads,
/// minus the same in the baselines: for the in-process Profiler that is the profiler itself; the collector's own CPU
/// (utime + stime from /proc over the window) is shown next to it.
/// </summary>
internal sealed class SideBySideBenchmark(int rounds, TimeSpan window, string rate)
{
    private static readonly string Dir = AppContext.BaseDirectory;

    public async Task<int> RunAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("flamewatch-bench-profiler-").FullName;
        var port = FreePort();
        using var agent = Start("taskset", ["-c", "1", "dotnet", Path.Combine(Dir, "flamewatch-agent.dll"), "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir]);
        Discard(agent, output: true);
        var rows = new List<Row>();
        try
        {
            Console.WriteLine($"target pinned to CPU 0 (hot loop + sleeper); collector and agent on CPU 1; {rounds} rounds of {window.TotalSeconds:0} s windows; 100 Hz, 10 s periods");
            foreach (var knob in rate == "both" ? ["default", "A"] : new[] { rate })
            {
                rows.AddRange(await MeasureTargetAsync(knob, $"http://127.0.0.1:{port}"));
            }
        }
        finally
        {
            Stop(agent);
            Directory.Delete(dataDir, recursive: true);
        }
        Print(rows);
        return 0;
    }

    private async Task<List<Row>> MeasureTargetAsync(string knob, string agentAddress)
    {
        var mode = knob == "A" ? "continuous (DOTNET_EventPipeThreadSamplingRate=A)" : "duty-cycled (no env knob)";
        using var target = Start("taskset", ["-c", "0", "dotnet", Path.Combine(Dir, "Flamewatch.Bench.Profiler.dll"), TargetRole.Argument, agentAddress],
            knob == "A" ? new() { ["DOTNET_EventPipeThreadSamplingRate"] = "A" } : null, redirectInput: true);
        Discard(target, output: false);
        var ready = await target.StandardOutput.ReadLineAsync();
        if (ready is null || !ready.StartsWith("ready", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the target did not start: {ready}");
        }
        // Warm-up, not counted: tiering settles, and the profiler's own code (TraceEvent, pprof) is JIT-compiled in the target.
        await MeasureAsync(target, "none");
        await MeasureAsync(target, "inprocess");
        var rows = new List<Row>();
        try
        {
            for (var r = 0; r < rounds; r++)
            {
                var b1 = await MeasureAsync(target, "none");
                var inProcess = await MeasureAsync(target, "inprocess");
                var b2 = await MeasureAsync(target, "none");
                var (outOfProcess, collectorCpu) = await MeasureWithCollectorAsync(target);
                var b3 = await MeasureAsync(target, "none");
                rows.Add(Row.Of($"in-process Profiler, {mode}", inProcess, b1, b2, null));
                rows.Add(Row.Of($"collector (out of process), {mode}", outOfProcess, b2, b3, collectorCpu));
                Console.WriteLine($"  {rows[^2]}");
                Console.WriteLine($"  {rows[^1]}");
            }
        }
        finally
        {
            Stop(target);
        }
        return rows;
    }

    private async Task<Window> MeasureAsync(Process target, string mode)
    {
        await target.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"measure {window.TotalSeconds} {mode}"));
        await target.StandardInput.FlushAsync();
        while (await target.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("result ", StringComparison.Ordinal))
            {
                return Window.Parse(line);
            }
        }
        throw new InvalidOperationException("the target exited");
    }

    private async Task<(Window Window, double CollectorCpu)> MeasureWithCollectorAsync(Process target)
    {
        var output = Path.Combine(Path.GetTempPath(), $"flamewatch-bench-{Guid.NewGuid():N}");
        using var collector = Start("taskset", ["-c", "1", "dotnet", Path.Combine(Dir, "flamewatch-collector.dll"), "profile",
            "--pid", target.Id.ToString(CultureInfo.InvariantCulture), "--duration", $"{window.TotalSeconds + 4:0}s", "--period", "10s", "--output", output + "/"]);
        try
        {
            // The collector says "Profiling process …" once attached; leave out one more second, as for the in-process Profiler.
            while (await collector.StandardError.ReadLineAsync() is { } line && !line.StartsWith("Profiling process", StringComparison.Ordinal))
            {
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
            var before = CpuSeconds(collector.Id);
            var measured = await MeasureAsync(target, "none");
            var cpu = CpuSeconds(collector.Id) - before;
            await collector.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return (measured, cpu);
        }
        finally
        {
            Stop(collector);
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static Process Start(string file, string[] args, Dictionary<string, string>? environment = null, bool redirectInput = false)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove("DOTNET_EventPipeThreadSamplingRate");
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }
        return Process.Start(info)!;
    }

    /// <summary>Reads and drops a child's stderr (and stdout) so that a full pipe never blocks it.</summary>
    private static void Discard(Process process, bool output)
    {
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        if (output)
        {
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Print(List<Row> rows)
    {
        Console.WriteLine();
        Console.WriteLine("throughput ratio = hot-loop iterations/s profiled ÷ mean of the baselines around it; per target CPU-s = the same for iterations per CPU-second");
        Console.WriteLine("the target process got (robust to other load on CPU 0); extra CPU = CPU-s per 10 s beyond the workload threads (in the target) or of the collector process");
        Console.WriteLine($"{"configuration",-70} {"throughput ratio (median, range)",33} {"per target CPU-s (median, range)",33} {"extra CPU in target",20} {"collector CPU",14}");
        foreach (var group in rows.GroupBy(r => r.Name))
        {
            var ratios = group.Select(r => r.Ratio).Order().ToList();
            var cpuRatios = group.Select(r => r.CpuRatio).Order().ToList();
            var collector = group.Select(r => r.CollectorCpuPer10s).OfType<double>().ToList();
            Console.WriteLine($"{group.Key,-70} {ratios[ratios.Count / 2],17:F3} ({ratios[0]:F3}-{ratios[^1]:F3}) {cpuRatios[cpuRatios.Count / 2],17:F3} ({cpuRatios[0]:F3}-{cpuRatios[^1]:F3}) {group.Average(r => r.ExtraCpuPer10s),20:F2} {(collector.Count == 0 ? "—" : collector.Average().ToString("F2", CultureInfo.InvariantCulture)),14}");
        }
    }

    private sealed record Window(double IterationsPerSecond, double ProcessCpu, double WorkloadCpu, double Seconds)
    {
        public double OtherCpuPer10s => (ProcessCpu - WorkloadCpu) * 10 / Seconds;

        /// <summary>Iterations per CPU-second the target process got: unlike iterations per wall second, this does not depend
        /// on how much of CPU 0 other processes took; it drops only by what the process spends on being profiled.</summary>
        public double IterationsPerCpuSecond => IterationsPerSecond * Seconds / ProcessCpu;

        public static Window Parse(string line)
        {
            var values = line.Split(' ').Skip(1).Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
            return new Window(values["iterations_per_s"], values["process_cpu_s"], values["workload_cpu_s"], values["seconds"]);
        }
    }

    private sealed record Row(string Name, double Ratio, double CpuRatio, double ExtraCpuPer10s, double? CollectorCpuPer10s)
    {
        public static Row Of(string name, Window profiled, Window before, Window after, double? collectorCpu) => new(
            name,
            profiled.IterationsPerSecond / ((before.IterationsPerSecond + after.IterationsPerSecond) / 2),
            profiled.IterationsPerCpuSecond / ((before.IterationsPerCpuSecond + after.IterationsPerCpuSecond) / 2),
            profiled.OtherCpuPer10s - ((before.OtherCpuPer10s + after.OtherCpuPer10s) / 2),
            collectorCpu * 10 / profiled.Seconds);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Name}: ratio {Ratio:F3}, per target CPU-s {CpuRatio:F3}, extra CPU in target {ExtraCpuPer10s:F2} s/10 s{(CollectorCpuPer10s is { } c ? $", collector {c:F2} s/10 s" : "")}");
    }
}

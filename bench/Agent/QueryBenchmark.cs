using System.Diagnostics;
using System.Text.Json;
using Flamewatch.Agent;
using Flamewatch.Agent.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Flamewatch.Bench.Agent;

/// <summary>
/// The query side: one day of 100 pods at 45 s periods (192,000 profiles of ~2,000 stacks each) stored straight into
/// the store, then the timeline of the day (total and by pod), the diff of two 1-hour ranges, and the UI's first paint
/// in headless Chromium (when tools/node_modules has playwright-core and /usr/bin/chromium exists).
/// Options: <c>--data-dir DIR</c> keeps the day's database there and reuses it on the next run (the fill takes
/// minutes); <c>--save FILE</c> writes the medians as JSON; <c>--baseline FILE</c> prints each median's ratio to the one
/// a earlier run saved (run both under the same load: compare the load averages printed with them).
/// </summary>
internal static class QueryBenchmark
{
    private const int Pods = 100;
    private const int Periods = 1920; // 1920 x 45 s = 1 day

    public static async Task RunAsync(string[] args)
    {
        var keptDir = Option(args, "--data-dir");
        var dataDir = keptDir is null ? Path.Combine(Path.GetTempPath(), "flamewatch-bench-query-" + Guid.NewGuid().ToString("N")[..8]) : Path.GetFullPath(keptDir);
        var baseline = Option(args, "--baseline") is { } baselineFile
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(baselineFile))!
            : null;
        var figures = new Dictionary<string, double>();
        var app = AgentApp.Build(["--urls", "http://127.0.0.1:0", "--data-dir", dataDir, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        try
        {
            var store = app.Services.GetRequiredService<ProfileStore>();
            DateTimeOffset end;
            if (store.GetApplications().FirstOrDefault(a => a.Name == "checkout") is { Profiles: Pods * Periods } kept)
            {
                end = kept.To;
                Console.WriteLine($"query data: {Pods * Periods:N0} profiles (1 day x {Pods} pods, 45 s periods) kept in {dataDir}");
            }
            else
            {
                end = DateTimeOffset.UtcNow.AddMinutes(-1);
                var fill = Stopwatch.StartNew();
                await FillAsync(store, end);
                Console.WriteLine($"query data: {Pods * Periods:N0} profiles (1 day x {Pods} pods, 45 s periods) stored in {fill.Elapsed.TotalSeconds:0} s");
            }
            Console.WriteLine($"load average before the queries: {File.ReadAllText("/proc/loadavg").Trim()}");

            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
            var day = $"from={end.AddDays(-1).AddSeconds(-1).ToUnixTimeSeconds()}&to={end.ToUnixTimeSeconds() + 1}";
            var hour1 = (end.AddHours(-5), end.AddHours(-4));
            var hour2 = (end.AddHours(-2), end.AddHours(-1));
            foreach (var (key, name, path) in new[]
            {
                ("timeline", "timeline 1 day x 100 pods (192,000 profiles), total", $"/api/timeline?application=checkout&type=cpu-time/nanoseconds&{day}"),
                ("timeline-by-pod", "timeline 1 day x 100 pods, one series per pod (top 8 + rest)", $"/api/timeline?application=checkout&type=cpu-time/nanoseconds&{day}&by=pod_name"),
                ("labels", "label explorer 1 day x 100 pods (pod_name)", $"/api/labels?application=checkout&type=cpu-time/nanoseconds&{day}&key=pod_name"),
                ("diff", "diff of two 1-hour ranges x 100 pods (2 x 8,000 profiles)", $"/api/diff?application=checkout&type=cpu-time/nanoseconds&from={hour1.Item1.ToUnixTimeSeconds()}&to={hour1.Item2.ToUnixTimeSeconds()}"
                    + $"&compare.from={hour2.Item1.ToUnixTimeSeconds()}&compare.to={hour2.Item2.ToUnixTimeSeconds()}"),
                ("flamegraph", "flame graph + function table 1 h x 100 pods", $"/api/flamegraph?application=checkout&type=cpu-time/nanoseconds&from={hour2.Item1.ToUnixTimeSeconds()}&to={hour2.Item2.ToUnixTimeSeconds()}"),
            })
            {
                var runs = new List<double>();
                long size = 0;
                for (var run = 0; run < 5; run++)
                {
                    var t = Stopwatch.StartNew();
                    using var response = await client.GetAsync(path);
                    var bytes = await response.Content.ReadAsByteArrayAsync();
                    runs.Add(t.Elapsed.TotalMilliseconds);
                    size = response.IsSuccessStatusCode ? bytes.Length : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
                }
                runs.Sort();
                figures[key] = runs[2];
                var ratio = baseline?.GetValueOrDefault(key) is > 0 and var before ? $"; {before:0} ms before: {before / runs[2]:0.0}x faster" : "";
                Console.WriteLine($"{name}: median {runs[2]:0} ms (min {runs[0]:0}, max {runs[4]:0}), answer {size / 1024} KB{ratio}");
            }
            await FirstPaintAsync(address);
            Console.WriteLine($"load average during the query benchmark: {File.ReadAllText("/proc/loadavg").Trim()}");
            if (Option(args, "--save") is { } saveFile)
            {
                File.WriteAllText(saveFile, JsonSerializer.Serialize(figures));
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            if (keptDir is null)
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    /// <summary>Stores the day straight into the store: 40 distinct profiles of ~2,000 stacks over 600 frames, rotated.</summary>
    private static async Task FillAsync(ProfileStore store, DateTimeOffset end)
    {
        var symbols = store.Symbols;
        var application = symbols.Applications.GetOrAdd("checkout");
        var type = symbols.Types.GetOrAdd("cpu-time/nanoseconds");
        symbols.ApplicationTypes.GetOrAdd((application, type));
        var pods = Enumerable.Range(0, Pods).Select(p => symbols.Labels.GetOrAdd((application, "pod_name", $"checkout-{p:000}"))).ToArray();
        var random = new Random(7);
        var frames = Enumerable.Range(0, 600).Select(i => symbols.Frames.GetOrAdd(new Frame($"Shop.Service{i % 40}.Method{i}", $"Service{i % 40}.cs"))).ToArray();
        var blobs = new List<byte[]>();
        for (var p = 0; p < 40; p++)
        {
            var values = new Dictionary<int, long>();
            for (var s = 0; s < 2000; s++)
            {
                var depth = random.Next(8, 30);
                var stack = new int[depth];
                for (var d = 0; d < depth; d++)
                {
                    stack[d] = frames[Math.Min(frames.Length - 1, (d * 20) + random.Next(20 + (p % 3)))];
                }
                var leaf = symbols.Stack(stack);
                values[leaf] = values.GetValueOrDefault(leaf) + (random.Next(1, 50) * 10_000_000L);
            }
            blobs.Add(SampleBlob.Encode(values));
        }
        var pending = new List<Task>(Pods);
        for (var period = 0; period < Periods; period++)
        {
            var start = end.AddSeconds(-45 * (Periods - period));
            for (var pod = 0; pod < Pods; pod++)
            {
                pending.Add(store.AddAsync(new NewProfile(application, start, start.AddSeconds(45), [pods[pod]],
                    [new(type, blobs[((period * Pods) + pod) % blobs.Count])]), CancellationToken.None));
            }
            if (pending.Count >= 2000)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }
        await Task.WhenAll(pending);
    }

    /// <summary>Time to the page's first paint and to its first complete view (timeline, flame graph, table) in headless Chromium.</summary>
    private static async Task FirstPaintAsync(string address)
    {
        var root = Directory.GetCurrentDirectory();
        while (!File.Exists(Path.Combine(root, "Operator.sln")) && Path.GetDirectoryName(root) is { } parent)
        {
            root = parent;
        }
        var modules = Path.Combine(root, "tools", "node_modules");
        if (!Directory.Exists(Path.Combine(modules, "playwright-core")) || !File.Exists("/usr/bin/chromium"))
        {
            Console.WriteLine("first paint: skipped (needs 'make deps': playwright-core and chromium)");
            return;
        }
        var start = new ProcessStartInfo("node", [Path.Combine(root, "bench", "Agent", "first-paint.js"), address + "/?application=checkout&type=cpu-time/nanoseconds&range=3600"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NODE_PATH"] = modules;
        using var node = Process.Start(start)!;
        var output = await node.StandardOutput.ReadToEndAsync();
        var error = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Console.WriteLine(node.ExitCode == 0 ? output.Trim() : $"first paint: failed: {error.Trim()}");
    }
}

using System.Diagnostics;
using System.Globalization;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.SimulatedNodes;

// The node collector at scale on one simulated node: annotated pods with one .NET process each (sampling at 100 Hz),
// `flamewatch-collector run` as its own process against the in-process test API server and the real agent.
// Measured side by side with 1 and then 20 processes, over whole periods once every session runs: collector CPU
// (% of one core), RSS (and its anonymous and file-backed parts), and upload bytes per period. The targets are idle
// .NET processes (small profiles). The collector is the binary the product ships, the Native AOT publish of
// src/NodeCollector (published once into artifacts/collector); BENCH_COLLECTOR=jit runs the framework-dependent build
// (flamewatch-collector.dll under the dotnet host) instead, to compare. To try runtime settings on the collector alone:
// BENCH_COLLECTOR_ENV="DOTNET_A=1;DOTNET_B=2" (added to its environment) and BENCH_STAGES=1 (or "1,20", the default).
int[] stages = Environment.GetEnvironmentVariable("BENCH_STAGES") is { Length: > 0 } only ? [.. only.Split(',').Select(int.Parse)] : [1, 20];
const int PeriodSeconds = 15;
const int MeasuredPeriods = 3;
const string NodeName = "bench-node";

if (NodeCapabilities.Current.UnsupportedReason is { } reason)
{
    Console.WriteLine($"node collector benchmark skipped: {reason}");
    return 0;
}

using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
var token = timeout.Token;
await using var api = await TestApiServer.StartAsync(cancellationToken: token);
using var client = api.CreateClient();
await using var agent = await AgentProcess.StartAsync(token);
await using var node = new SimulatedNode(NodeCapabilities.Current);

var jit = Environment.GetEnvironmentVariable("BENCH_COLLECTOR") == "jit";
var native = jit ? null : await NativeCollector.ExecutableAsync();
var port = Loopback.FreePort();
using var collector = StartCollector(native, agent.Url, api.KubeconfigPath, port);
using var metricsClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
var rows = new List<string>();
var pods = 0;
foreach (var processes in stages)
{
    Console.WriteLine($"Starting pods up to {processes} (one .NET process each, DOTNET_EventPipeThreadSamplingRate=A) ...");
    for (; pods < processes; pods++)
    {
        await PodObjects.CreateAsync(client, node, "default", $"bench-{pods:D2}", NodeName, pods % 2 == 0 ? KubeletCgroupDriver.Systemd : KubeletCgroupDriver.Cgroupfs,
            PodObjects.Enabled("bench", $$"""{"replica":"{{pods}}"}""", $"{PeriodSeconds}s"), [("app", ContainerProgram.DotNet)], token);
    }

    var attachWatch = Stopwatch.StartNew();
    while (await MetricAsync(metricsClient, "flamewatch_collector_sessions_active", token) < processes)
    {
        if (collector.HasExited)
        {
            throw new InvalidOperationException("the collector exited: " + collector.Tail(20));
        }

        await Task.Delay(500, token);
    }

    Console.WriteLine($"{processes} sessions running ({attachWatch.Elapsed.TotalSeconds:F1} s after the last pod); warming up one period ...");
    await Task.Delay(TimeSpan.FromSeconds(PeriodSeconds), token);
    rows.Add(await MeasureAsync(collector.Id, metricsClient, processes, TimeSpan.FromSeconds(PeriodSeconds * MeasuredPeriods), token));
}

Console.WriteLine();
Console.WriteLine($"Node collector ({(jit ? "framework-dependent, JIT" : "Native AOT")}) at 100 Hz, period {PeriodSeconds} s, each row measured over {MeasuredPeriods} periods, {Environment.ProcessorCount} cores (idle targets):");
Console.WriteLine("  processes | collector CPU (% of one core) | RSS avg / max (MB) | RSS anon / file avg (MB) | uploads | upload bytes per period (all / per process)");
foreach (var row in rows)
{
    Console.WriteLine(row);
}

Console.WriteLine("  goals: ≤ 60 MB RSS for 1 process; for 20 processes ≤ 20 % of one core and ≤ 300 MB RSS");
return 0;

static async Task<string> MeasureAsync(int collectorPid, HttpClient metricsClient, int processes, TimeSpan window, CancellationToken token)
{
    var cpuBefore = ProcessReadings.CpuTicks(collectorPid);
    var bytesBefore = await MetricAsync(metricsClient, "flamewatch_collector_upload_bytes_total", token);
    var uploadsBefore = await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"success\"}", token);
    var failedBefore = await FailedAsync(metricsClient, token);
    var watch = Stopwatch.StartNew();
    var rss = new List<double>();
    var anonymous = new List<double>();
    var file = new List<double>();
    while (watch.Elapsed < window)
    {
        rss.Add(ProcessReadings.ResidentBytes(collectorPid) / 1048576.0);
        var (anonymousBytes, fileBytes) = ProcessReadings.ResidentBreakdown(collectorPid);
        anonymous.Add(anonymousBytes / 1048576.0);
        file.Add(fileBytes / 1048576.0);
        await Task.Delay(1000, token);
    }

    var seconds = watch.Elapsed.TotalSeconds;
    var cpuPercent = 100 * (ProcessReadings.CpuTicks(collectorPid) - cpuBefore) / 100.0 / seconds;
    var bytes = await MetricAsync(metricsClient, "flamewatch_collector_upload_bytes_total", token) - bytesBefore;
    var uploads = await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"success\"}", token) - uploadsBefore;
    var failed = await FailedAsync(metricsClient, token) - failedBefore;

    // Sessions start a few seconds apart, so a window holds 3 or 4 uploads of each: average per upload.
    var perUpload = uploads > 0 ? bytes / uploads : 0;
    return string.Create(CultureInfo.InvariantCulture,
        $"  {processes,9} | {cpuPercent,8:F1} ({cpuPercent / processes:F2} per process)        | {rss.Average(),6:F0} / {rss.Max():F0}          | {anonymous.Average(),4:F0} / {file.Average():F0}                 | {uploads,4:F0} ok, {failed:F0} failed | {perUpload * processes / 1024:F1} KiB / {perUpload / 1024:F1} KiB");
}

static async Task<double> FailedAsync(HttpClient client, CancellationToken token) =>
    await MetricAsync(client, "flamewatch_collector_uploads_total{result=\"error\"}", token)
    + await MetricAsync(client, "flamewatch_collector_uploads_total{result=\"timeout\"}", token);

static ChildProcess StartCollector(string? native, string agent, string kubeconfig, int port)
{
    string[] arguments = ["run", "--agent", agent, "--node-name", NodeName, "--kubeconfig", kubeconfig, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind-address", "127.0.0.1"];
    // The published binary runs with the environment its image sets (runtime settings among them); BENCH_COLLECTOR_ENV adds to it.
    var environment = new Dictionary<string, string>(native is null ? [] : NativeCollector.ImageEnvironment);
    foreach (var pair in Environment.GetEnvironmentVariable("BENCH_COLLECTOR_ENV")?.Split(';', StringSplitOptions.RemoveEmptyEntries) ?? [])
    {
        var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, v) : throw new InvalidOperationException($"BENCH_COLLECTOR_ENV: '{pair}' is not KEY=VALUE");
        environment[key] = value;
    }
    environment["Logging__LogLevel__Default"] = "Warning";
    return native is null
        ? ChildProcess.Start("flamewatch-collector.dll", arguments, environment)
        : ChildProcess.StartProgram(native, arguments, environment);
}

static async Task<double> MetricAsync(HttpClient client, string series, CancellationToken cancellationToken)
{
    try
    {
        var text = await client.GetStringAsync("metrics", cancellationToken);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
    catch (HttpRequestException)
    {
        return 0; // Not listening yet.
    }
}

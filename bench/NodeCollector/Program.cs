using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.NodeCollector.Tests.KubernetesMode;
using Flamewatch.NodeCollector.Tests.SimulatedNode;
using Flamewatch.TestKit;

// The node collector at scale on one simulated node: annotated pods with one .NET process each (sampling at 100 Hz),
// `flamewatch-collector run` as its own process against the in-process test API server and the real agent.
// Measured side by side with 5 and then 20 processes, over whole periods once every session runs: collector CPU
// (% of one core), RSS, and upload bytes per period. The targets are idle .NET processes (small profiles).
int[] stages = [5, 20];
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

var port = FreePort();
var collector = StartCollector(agent.Address, api.KubeconfigPath, port);
using var metricsClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
var rows = new List<string>();
try
{
    var pods = 0;
    foreach (var processes in stages)
    {
        Console.WriteLine($"Starting pods up to {processes} (one .NET process each, DOTNET_EventPipeThreadSamplingRate=A) ...");
        for (; pods < processes; pods++)
        {
            await PodObjects.CreateAsync(client, node, "default", $"bench-{pods:D2}", NodeName, pods % 2 == 0 ? CgroupDriver.Systemd : CgroupDriver.Cgroupfs,
                PodObjects.Enabled("bench", $$"""{"replica":"{{pods}}"}""", $"{PeriodSeconds}s"), [("app", ContainerProgram.DotNet)], token);
        }

        var attachWatch = Stopwatch.StartNew();
        while (await MetricAsync(metricsClient, "flamewatch_collector_sessions_active", token) < processes)
        {
            await Task.Delay(500, token);
        }

        Console.WriteLine($"{processes} sessions running ({attachWatch.Elapsed.TotalSeconds:F1} s after the last pod); warming up one period ...");
        await Task.Delay(TimeSpan.FromSeconds(PeriodSeconds), token);
        rows.Add(await MeasureAsync(collector.Id, metricsClient, processes, TimeSpan.FromSeconds(PeriodSeconds * MeasuredPeriods), token));
    }

    Console.WriteLine();
    Console.WriteLine($"Node collector at 100 Hz, period {PeriodSeconds} s, each row measured over {MeasuredPeriods} periods, {Environment.ProcessorCount} cores (idle targets):");
    Console.WriteLine("  processes | collector CPU (% of one core) | RSS avg / max (MB) | uploads | upload bytes per period (all / per process)");
    foreach (var row in rows)
    {
        Console.WriteLine(row);
    }

    Console.WriteLine("  goals for 20 processes: ≤ 20 % of one core and ≤ 300 MB RSS");
    return 0;
}
finally
{
    collector.Kill(entireProcessTree: true);
    await collector.WaitForExitAsync(CancellationToken.None);
    collector.Dispose();
}

static async Task<string> MeasureAsync(int collectorPid, HttpClient metricsClient, int processes, TimeSpan window, CancellationToken token)
{
    var cpuBefore = CpuTicks(collectorPid);
    var bytesBefore = await MetricAsync(metricsClient, "flamewatch_collector_upload_bytes_total", token);
    var uploadsBefore = await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"success\"}", token);
    var failedBefore = await FailedAsync(metricsClient, token);
    var watch = Stopwatch.StartNew();
    var rss = new List<double>();
    while (watch.Elapsed < window)
    {
        rss.Add(RssMegabytes(collectorPid));
        await Task.Delay(1000, token);
    }

    var seconds = watch.Elapsed.TotalSeconds;
    var cpuPercent = 100 * (CpuTicks(collectorPid) - cpuBefore) / 100.0 / seconds;
    var bytes = await MetricAsync(metricsClient, "flamewatch_collector_upload_bytes_total", token) - bytesBefore;
    var uploads = await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"success\"}", token) - uploadsBefore;
    var failed = await FailedAsync(metricsClient, token) - failedBefore;

    // Sessions start a few seconds apart, so a window holds 3 or 4 uploads of each: average per upload.
    var perUpload = uploads > 0 ? bytes / uploads : 0;
    return string.Create(CultureInfo.InvariantCulture,
        $"  {processes,9} | {cpuPercent,8:F1} ({cpuPercent / processes:F2} per process)        | {rss.Average(),6:F0} / {rss.Max():F0}          | {uploads,4:F0} ok, {failed:F0} failed | {perUpload * processes / 1024:F1} KiB / {perUpload / 1024:F1} KiB");
}

static async Task<double> FailedAsync(HttpClient client, CancellationToken token) =>
    await MetricAsync(client, "flamewatch_collector_uploads_total{result=\"error\"}", token)
    + await MetricAsync(client, "flamewatch_collector_uploads_total{result=\"timeout\"}", token);

static Process StartCollector(Uri agent, string kubeconfig, int port)
{
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var argument in new[]
    {
        Path.Combine(AppContext.BaseDirectory, "flamewatch-collector.dll"), "run", "--agent", agent.ToString().TrimEnd('/'), "--node-name", NodeName,
        "--kubeconfig", kubeconfig, "--port", port.ToString(CultureInfo.InvariantCulture), "--bind-address", "127.0.0.1",
    })
    {
        start.ArgumentList.Add(argument);
    }

    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start) ?? throw new InvalidOperationException("the collector did not start");
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, e) =>
    {
        if (e.Data is { } line)
        {
            Console.Error.WriteLine("collector: " + line);
        }
    };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
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

static long CpuTicks(int pid)
{
    var stat = ProcFs.Host.ReadStat(pid) is null ? "" : File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
}

static double RssMegabytes(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

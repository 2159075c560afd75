using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.NodeCollector.Tests.KubernetesMode;
using Flamewatch.NodeCollector.Tests.SimulatedNode;
using Flamewatch.TestKit;

// The node collector at scale on one simulated node: N annotated pods, one .NET process each (sampling at 100 Hz),
// `flamewatch-collector run` as its own process against the in-process test API server and the real agent.
// Measured over whole periods once every session runs: collector CPU (% of one core), RSS, and upload bytes per period.
const int Processes = 20;
const int PeriodSeconds = 15;
const int MeasuredPeriods = 4;
const string NodeName = "bench-node";

if (NodeCapabilities.Current.UnsupportedReason is { } reason)
{
    Console.WriteLine($"node collector benchmark skipped: {reason}");
    return 0;
}

using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var token = timeout.Token;
await using var api = await TestApiServer.StartAsync(cancellationToken: token);
using var client = api.CreateClient();
await using var agent = await AgentProcess.StartAsync(token);
await using var node = new SimulatedNode(NodeCapabilities.Current);

Console.WriteLine($"Starting {Processes} pods (one .NET process each, DOTNET_EventPipeThreadSamplingRate=A) ...");
for (var i = 0; i < Processes; i++)
{
    var name = $"bench-{i:D2}";
    await PodObjects.CreateAsync(client, node, "default", name, NodeName, i % 2 == 0 ? CgroupDriver.Systemd : CgroupDriver.Cgroupfs,
        PodObjects.Enabled("bench", $$"""{"replica":"{{i}}"}""", $"{PeriodSeconds}s"), [("app", ContainerProgram.DotNet)], token);
}

var port = FreePort();
var collector = StartCollector(agent.Address, api.KubeconfigPath, port);
using var metricsClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
try
{
    var attachWatch = Stopwatch.StartNew();
    while (await MetricAsync(metricsClient, "flamewatch_collector_sessions_active", token) < Processes)
    {
        await Task.Delay(500, token);
    }

    Console.WriteLine($"All {Processes} sessions running {attachWatch.Elapsed.TotalSeconds:F1} s after the collector started; warming up one period ...");
    await Task.Delay(TimeSpan.FromSeconds(PeriodSeconds), token);

    var window = TimeSpan.FromSeconds(PeriodSeconds * MeasuredPeriods);
    var cpuBefore = CpuTicks(collector.Id);
    var bytesBefore = await MetricAsync(metricsClient, "flamewatch_collector_upload_bytes_total", token);
    var uploadsBefore = await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"success\"}", token);
    var watch = Stopwatch.StartNew();
    var rss = new List<double>();
    while (watch.Elapsed < window)
    {
        rss.Add(RssMegabytes(collector.Id));
        await Task.Delay(1000, token);
    }

    var seconds = watch.Elapsed.TotalSeconds;
    var cpuSeconds = (CpuTicks(collector.Id) - cpuBefore) / 100.0;
    var bytes = await MetricAsync(metricsClient, "flamewatch_collector_upload_bytes_total", token) - bytesBefore;
    var uploads = await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"success\"}", token) - uploadsBefore;
    var failed = await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"error\"}", token)
        + await MetricAsync(metricsClient, "flamewatch_collector_uploads_total{result=\"timeout\"}", token);
    var periods = seconds / PeriodSeconds;

    Console.WriteLine();
    Console.WriteLine($"Node collector, {Processes} profiled processes at 100 Hz, period {PeriodSeconds} s, measured over {seconds:F0} s ({periods:F1} periods), {Environment.ProcessorCount} cores:");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  collector CPU        {100 * cpuSeconds / seconds,8:F1} % of one core ({100 * cpuSeconds / seconds / Processes:F2} % per process)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  collector RSS        {rss.Average(),8:F0} MB average, {rss.Max():F0} MB max ({rss.Max() / Processes:F1} MB per process)"));
    // Sessions started within a few seconds of each other, so the window holds 4 or 5 uploads of each: average per upload.
    var perUpload = uploads > 0 ? bytes / uploads : 0;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  uploads in window    {uploads,8:F0} (failed in the whole run: {failed})"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  upload bytes/period  {perUpload * Processes / 1024,8:F1} KiB for the {Processes} processes ({perUpload / 1024:F1} KiB per process and period)"));
    Console.WriteLine("  goals: ≤ 20 % of one core and ≤ 300 MB RSS for 20 processes");
    return 0;
}
finally
{
    collector.Kill(entireProcessTree: true);
    await collector.WaitForExitAsync(CancellationToken.None);
    collector.Dispose();
}

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

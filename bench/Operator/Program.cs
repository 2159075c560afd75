using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.Operator.Kubernetes;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.Webhooks;
using k8s;
using k8s.Models;

// Operator benchmark against the test API server: 5,000 pods and 200 ContinuousProfiles (25 pods each, one
// namespace). Runs flamewatch-operator as its own process (as in production) and prints, measured in this run:
// cold start to fully reconciled, API requests per reconciled pod, pod-creation-to-annotation latency p50/p99 for
// pods created while it runs, and the operator's peak RSS. Goals: ≤ 30 s, p99 ≤ 1 s, ≤ 200 MB.
// `-- webhook [--rounds N --window S]`: the pod admission webhook benchmark instead (see WebhookBenchmark).
if (args is ["webhook", .. var rest])
{
    using var webhookTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
    return await WebhookBenchmark.RunAsync(rest, webhookTimeout.Token);
}

const int Profiles = 200;
const int PodsPerProfile = 25;
const int LatePods = 400;
const string Ns = "bench";
var pods = Profiles * PodsPerProfile;

using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var ct = cts.Token;
await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { HistoryLimit = 200_000 }, ct);
using var client = server.CreateClient();
var crdPath = FindRepositoryFile("config/crd/bases/flamewatch.io_continuousprofiles.yaml");
await server.CreateFromYamlAsync(await File.ReadAllTextAsync(crdPath, ct), ct);
await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: ct);

var setup = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, Profiles), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
    await client.CustomObjects.CreateNamespacedCustomObjectAsync(
        new V1Alpha1ContinuousProfile
        {
            Metadata = new V1ObjectMeta { Name = $"app-{i:000}", NamespaceProperty = Ns },
            Spec = new V1Alpha1ContinuousProfileSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = $"app-{i:000}" } },
                Labels = new() { ["team"] = $"team-{i % 10}" },
            },
        },
        V1Alpha1ContinuousProfile.Group,
        V1Alpha1ContinuousProfile.Version,
        Ns,
        V1Alpha1ContinuousProfile.Plural,
        cancellationToken: token));
await Parallel.ForEachAsync(Enumerable.Range(0, pods), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
    await client.CoreV1.CreateNamespacedPodAsync(Pod($"pod-{i:0000}", i % Profiles), Ns, cancellationToken: token));
Console.WriteLine($"setup: {Profiles} ContinuousProfiles and {pods} pods created in {setup.Elapsed.TotalSeconds:0.0} s");

// ---- cold start ----
var requestsBefore = server.Requests.Count;
var coldStart = Stopwatch.StartNew();
using var op = StartOperator(server.KubeconfigPath);
var converged = false;
while (coldStart.Elapsed < TimeSpan.FromMinutes(3))
{
    await Task.Delay(200, ct);
    var annotated = server.Objects("", "pods").Count(p => p["metadata"]?["annotations"]?[FlamewatchAnnotations.ManagedBy] is not null);
    var ready = server.Objects(V1Alpha1ContinuousProfile.Group, V1Alpha1ContinuousProfile.Plural)
        .Count(p => p["status"]?["matchedPods"]?.GetValue<int>() == PodsPerProfile && p["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true);
    if (annotated == pods && ready == Profiles)
    {
        converged = true;
        break;
    }
}

var coldSeconds = coldStart.Elapsed.TotalSeconds;
var coldRequests = server.Requests.Skip(requestsBefore).ToList();
Console.WriteLine(converged
    ? $"cold start to fully reconciled: {coldSeconds:0.00} s ({pods} pods annotated, {Profiles} profiles Ready)  [goal <= 30 s]"
    : $"cold start: NOT converged after {coldSeconds:0.0} s");
Console.WriteLine($"API requests during cold start: {coldRequests.Count} = {(double)coldRequests.Count / pods:0.00} per reconciled pod " +
    $"(PATCH pods {coldRequests.Count(r => r.Method == "PATCH" && r.PathAndQuery.Contains("/pods/", StringComparison.Ordinal))}, " +
    $"status writes {coldRequests.Count(r => r.PathAndQuery.Contains("/status", StringComparison.Ordinal))}, " +
    $"events {coldRequests.Count(r => r.PathAndQuery.Contains("/events", StringComparison.Ordinal))}, " +
    $"list/watch {coldRequests.Count(r => r.Method == "GET")})");

// ---- pod creation → annotation latency while running ----
var created = new ConcurrentDictionary<string, long>();
var annotatedAt = new ConcurrentDictionary<string, long>();
var watcher = new Informer<V1Pod>(ListWatch.Pods(client), new InformerOptions { Namespace = Ns });
using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct);
var watching = watcher.RunAsync(watch.Token);
await watcher.WaitForSyncAsync(ct);
using var handler = watcher.AddHandler(ResourceEventHandler<V1Pod>.ForAny(pod =>
{
    if (pod.Metadata.Annotations?.ContainsKey(FlamewatchAnnotations.ManagedBy) == true && pod.Metadata.Name is { } name && name.StartsWith("late-", StringComparison.Ordinal))
    {
        annotatedAt.TryAdd(name, Stopwatch.GetTimestamp());
    }
}));
var requestsBeforeLate = server.Requests.Count;

// Reconciles still queued when the cluster already looks converged (e.g. for the echoes of the operator's own
// writes) delay the first pods created next: the work queue depth at this point explains such a tail.
var metricsAtLateStart = await new HttpClient().GetStringAsync(new Uri(op.MetricsUrl, "/metrics"), ct);
var queuedAtLateStart = Metric(metricsAtLateStart, "workqueue_depth{");
var reconcilesAtLateStart = Metric(metricsAtLateStart, "controller_runtime_reconcile_total{");
for (var i = 0; i < LatePods; i++)
{
    var name = $"late-{i:000}";
    var start = Stopwatch.GetTimestamp();
    await client.CoreV1.CreateNamespacedPodAsync(Pod(name, i % Profiles), Ns, cancellationToken: ct);
    created[name] = start;
    await Task.Delay(25, ct);
}

var lateDeadline = Stopwatch.StartNew();
while (annotatedAt.Count < LatePods && lateDeadline.Elapsed < TimeSpan.FromSeconds(60))
{
    await Task.Delay(50, ct);
}

var latencies = created.Where(c => annotatedAt.ContainsKey(c.Key))
    .Select(c => Stopwatch.GetElapsedTime(c.Value, annotatedAt[c.Key]).TotalMilliseconds)
    .Order()
    .ToArray();
var lateRequests = server.Requests.Skip(requestsBeforeLate).ToList();
var operatorLateRequests = lateRequests.Count(r => r.Method != "POST" || !r.PathAndQuery.EndsWith("/pods", StringComparison.Ordinal));
Console.WriteLine($"pod creation -> annotation ({latencies.Length}/{LatePods} pods, ~40/s while running): p50 {Percentile(latencies, 0.50):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies.LastOrDefault():0} ms  [goal p99 <= 1000 ms]; work queue depth when the first was created: {queuedAtLateStart:0}");
Console.WriteLine($"API requests per pod created while running: {(double)operatorLateRequests / LatePods:0.00} (operator writes and reads, excluding the pod creations)");

var metrics = await new HttpClient().GetStringAsync(new Uri(op.MetricsUrl, "/metrics"), ct);
var reconciles = Metric(metrics, "controller_runtime_reconcile_total{");
var reconcileSeconds = Metric(metrics, "controller_runtime_reconcile_time_seconds_sum{");
Console.WriteLine($"reconciles: {reconciles:0} in total ({reconcilesAtLateStart:0} until converged, {reconciles - reconcilesAtLateStart:0} for the {LatePods} pods created while running), mean {reconcileSeconds / reconciles * 1000:0.0} ms each, errors {Metric(metrics, "controller_runtime_reconcile_errors_total{"):0}");
Console.WriteLine($"operator peak RSS: {op.PeakRssMegabytes():0} MB (VmHWM)  [goal <= 200 MB]");

// ---- the pure planner alone, on the same cluster state ----
var podSnapshots = watcher.List(Ns).Select(PodSnapshots.From).ToList();
var allProfiles = await ListProfilesAsync(client, ct);
var planTimer = Stopwatch.StartNew();
foreach (var profile in allProfiles)
{
    _ = Flamewatch.Operator.Planning.AnnotationPlanner.Plan(profile, podSnapshots, allProfiles, DateTimeOffset.UtcNow);
}

Console.WriteLine($"planner alone: {planTimer.Elapsed.TotalMilliseconds / allProfiles.Count:0.00} ms per plan ({podSnapshots.Count} pods, {allProfiles.Count} profiles in the namespace)");

// ---- what one reconcile computes before its API calls: the pods it reads from the cache, the rival profiles, the plan ----
var benchCache = new BenchCache(watcher, allProfiles);
var readTimer = Stopwatch.StartNew();
foreach (var profile in benchCache.ProfilesIn(Ns))
{
    _ = Flamewatch.Operator.Controller.ContinuousProfileReconciler.PlanFromCache(benchCache, ObjectKey.Of(profile), DateTimeOffset.UtcNow);
}

Console.WriteLine($"cache read + plan as in a reconcile: {readTimer.Elapsed.TotalMilliseconds / Profiles:0.00} ms per reconcile");

await watch.CancelAsync();
await watching;
return converged ? 0 : 1;

static V1Pod Pod(string name, int profile) => new()
{
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "bench", Labels = new Dictionary<string, string> { ["app"] = $"app-{profile:000}", ["pod-template-hash"] = "7d9f8c6b5" } },
    Spec = new V1PodSpec { NodeName = $"node-{profile % 20}", Containers = [new V1Container { Name = "app", Image = "example/app:1" }] },
};

static async Task<List<V1Alpha1ContinuousProfile>> ListProfilesAsync(IKubernetes client, CancellationToken cancellationToken)
{
    using var response = await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<V1Alpha1ContinuousProfileList>(
        V1Alpha1ContinuousProfile.Group, V1Alpha1ContinuousProfile.Version, "bench", V1Alpha1ContinuousProfile.Plural, cancellationToken: cancellationToken);
    return [.. response.Body.Items];
}

static double Metric(string exposition, string name) => exposition.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)).Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string FindRepositoryFile(string relative)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, relative)))
        {
            return Path.Combine(dir.FullName, relative);
        }
    }

    throw new FileNotFoundException(relative);
}

static OperatorProcess StartOperator(string kubeconfig) => OperatorProcess.Start(kubeconfig);

/// <summary>The reconciler's read side over the bench's own pod informer and a listed set of profiles.</summary>
internal sealed class BenchCache(Informer<V1Pod> pods, IReadOnlyList<V1Alpha1ContinuousProfile> profiles) : Flamewatch.Operator.Controller.IClusterCache
{
    public V1Alpha1ContinuousProfile? GetProfile(ObjectKey key) => profiles.FirstOrDefault(p => p.Metadata.NamespaceProperty == key.Namespace && p.Metadata.Name == key.Name);

    public IReadOnlyList<V1Alpha1ContinuousProfile> ProfilesIn(string @namespace) => profiles.Where(p => p.Metadata.NamespaceProperty == @namespace).ToList();

    public IReadOnlyList<V1Pod> PodsIn(string @namespace) => pods.List(@namespace);
}

/// <summary>flamewatch-operator as its own process, with a fixed loopback port for /metrics.</summary>
internal sealed class OperatorProcess : IDisposable
{
    private readonly Process _process;

    private OperatorProcess(Process process, Uri metricsUrl)
    {
        _process = process;
        MetricsUrl = metricsUrl;
    }

    public Uri MetricsUrl { get; }


    public static OperatorProcess Start(string kubeconfig, params string[] extraArgs)
    {
        var port = Loopback.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "flamewatch-operator.dll"), "--kubeconfig", kubeconfig, "--leader-elect", "false", "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var setting in (Environment.GetEnvironmentVariable("FLAMEWATCH_BENCH_OPERATOR_ENV") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            start.Environment[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { Console.Error.WriteLine($"  operator: {line}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { Console.Error.WriteLine($"  operator: {line}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new OperatorProcess(process, new Uri($"http://127.0.0.1:{port}"));
    }

    public double PeakRssMegabytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

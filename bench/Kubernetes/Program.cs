using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.TestKit;
using k8s;
using k8s.Models;

// Informer memory and sync time for 5,000 pods against the in-process test API server, plus watch throughput.
// Usage: dotnet run -c Release --project bench/Kubernetes [-- podCount]
var podCount = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 5000;
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var ct = cts.Token;
await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { HistoryLimit = 100_000 }, ct);
using var api = server.CreateClient();
var pods = ListWatch.Pods(api);
await api.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "bench" } }, cancellationToken: ct);

static V1Pod MakePod(int i) => new()
{
    Metadata = new V1ObjectMeta
    {
        Name = $"app-{i:00000}",
        NamespaceProperty = "bench",
        Labels = new Dictionary<string, string> { ["app"] = $"app-{i % 50}", ["tier"] = i % 2 == 0 ? "web" : "worker", ["pod-template-hash"] = "5d9c7b6f8" },
        Annotations = new Dictionary<string, string> { ["flamewatch.io/enabled"] = "true", ["flamewatch.io/application-name"] = $"app-{i % 50}", ["flamewatch.io/period"] = "45s" },
    },
    Spec = new V1PodSpec
    {
        NodeName = $"node-{i % 20}",
        Containers = [new V1Container { Name = "app", Image = "registry.example.com/team/app:1.2.3" }, new V1Container { Name = "sidecar", Image = "registry.example.com/proxy:2.0" }],
    },
};

var sw = Stopwatch.StartNew();
var next = -1;
await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < podCount)
    {
        await api.CoreV1.CreateNamespacedPodAsync(MakePod(i), "bench", cancellationToken: ct);
    }
}));
var createSeconds = sw.Elapsed.TotalSeconds;
Console.WriteLine($"created {podCount} pods in {createSeconds:0.00} s ({podCount / createSeconds:0} creates/s, 8 concurrent clients)");

// Informer: sync time, and the managed memory its cache holds (heap with the synced informer minus heap after dropping it).
var (syncMs, cacheBytes) = await MeasureInformerAsync(pods, podCount, ct);
Console.WriteLine($"informer sync: {podCount} pods in {syncMs:0} ms; cache holds {cacheBytes / 1024.0 / 1024.0:0.0} MB managed heap ({cacheBytes / podCount / 1024.0:0.0} KB/pod); process working set {Environment.WorkingSet / 1024.0 / 1024.0:0} MB (includes the in-process server)");

// Paged list on its own.
sw.Restart();
var listedCount = 0;
string? continueToken = null;
do
{
    var page = await pods.ListAsync("bench", new ListRequest(null, null, 500, continueToken), ct);
    listedCount += page.Items.Count;
    continueToken = page.Continue;
}
while (continueToken is not null);
Console.WriteLine($"paged list (500/page): {listedCount} pods in {sw.Elapsed.TotalMilliseconds:0} ms");

var informer = new Informer<V1Pod>(pods, new InformerOptions { Namespace = "bench" });
using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
var run = informer.RunAsync(stop.Token);
await informer.WaitForSyncAsync(ct);

// Live watch throughput: 4 writers patch annotations; count events the informer applies.
var received = 0;
informer.AddHandler(new ResourceEventHandler<V1Pod>(onUpdate: (_, _) => Interlocked.Increment(ref received)));
var updates = Math.Min(podCount, 5000);
var touch = new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["bench/touched"] = "1" } } }.ToJsonString(), V1Patch.PatchType.MergePatch);
sw.Restart();
next = -1;
await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < updates)
    {
        await api.CoreV1.PatchNamespacedPodAsync(touch, $"app-{i:00000}", "bench", cancellationToken: ct);
    }
}));
var writeSeconds = sw.Elapsed.TotalSeconds;
while (Volatile.Read(ref received) < updates && sw.Elapsed < TimeSpan.FromMinutes(2))
{
    await Task.Delay(5, ct);
}

var liveSeconds = sw.Elapsed.TotalSeconds;
Console.WriteLine($"live watch: {received} MODIFIED events applied in {liveSeconds:0.00} s ({received / liveSeconds:0} events/s end to end; writers finished after {writeSeconds:0.00} s)");
await stop.CancelAsync();
await run;

// Replay throughput: a raw watch from resourceVersion 1 streams the whole history (creates + patches).
sw.Restart();
var replayed = 0;
var target = podCount + updates;
using var replayStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
try
{
    await foreach (var e in pods.WatchAsync("bench", new WatchRequest(null, null, "1", 600), TimeSpan.FromMinutes(1), replayStop.Token))
    {
        if (++replayed >= target)
        {
            await replayStop.CancelAsync();
        }
    }
}
catch (OperationCanceledException) when (replayStop.IsCancellationRequested)
{
}

Console.WriteLine($"watch replay: {replayed} events decoded in {sw.Elapsed.TotalMilliseconds:0} ms ({replayed / sw.Elapsed.TotalSeconds:0} events/s)");
Console.WriteLine($"goals: sync <= 5000 ms: {(syncMs <= 5000 ? "met" : "MISSED")}; informer memory <= 100 MB: {(cacheBytes / 1024.0 / 1024.0 <= 100 ? "met" : "MISSED")}");

static async Task<(double SyncMs, long CacheBytes)> MeasureInformerAsync(ListWatch<V1Pod> pods, int podCount, CancellationToken ct)
{
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var informer = new Informer<V1Pod>(pods, new InformerOptions { Namespace = "bench" });
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
    var sw = Stopwatch.StartNew();
    var run = informer.RunAsync(stop.Token);
    await informer.WaitForSyncAsync(ct);
    var syncMs = sw.Elapsed.TotalMilliseconds;
    await stop.CancelAsync();
    await run;
    var with = GC.GetTotalMemory(forceFullCollection: true);
    if (informer.List().Count != podCount)
    {
        throw new InvalidOperationException($"informer has {informer.List().Count} pods, expected {podCount}");
    }

    Console.WriteLine($"  (managed heap before the informer {before / 1048576.0:0.0} MB, with its synced cache {with / 1048576.0:0.0} MB)");
    return (syncMs, with - before);
}

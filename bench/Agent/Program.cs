// Agent benchmark: ingest throughput of realistic 30–100 KB pprof uploads from concurrent clients over
// loopback, then the latency of merging one hour of 100 pods at 45 s periods (8,000 profiles).
using System.Diagnostics;
using System.Net.Http.Headers;
using Flamewatch.Agent;
using Flamewatch.Bench.Agent;
using Flamewatch.Profiling.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

const int Pods = 100;
const int Periods = 80; // 80 x 45 s = 1 h
const int Clients = 16;

var dataDir = Path.Combine(Path.GetTempPath(), "flamewatch-bench-" + Guid.NewGuid().ToString("N")[..8]);
var app = AgentApp.Build(["--urls", "http://127.0.0.1:0", "--data-dir", dataDir, "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
try
{
    var generate = Stopwatch.StartNew();
    var pprofs = SyntheticProfiles.Create(40, seed: 42);
    Console.WriteLine($"generated {pprofs.Count} distinct pprofs in {generate.Elapsed.TotalSeconds:0.0} s: "
        + $"{pprofs.Min(p => p.Length) / 1024} KB .. {pprofs.Max(p => p.Length) / 1024} KB gzip, mean {pprofs.Average(p => p.Length) / 1024:0} KB");

    // Where an upload's CPU goes, single-threaded, before any HTTP.
    var phases = new double[4];
    var phaseSymbols = new Flamewatch.Agent.Storage.SymbolTables();
    for (var pass = 0; pass < 3; pass++)
    foreach (var pprof in pprofs)
    {
        if (pass == 2 && pprof == pprofs[0])
        {
            Array.Clear(phases); // report the warm (JIT-optimised, symbols known) pass only
        }
        var t0 = Stopwatch.GetTimestamp();
        var profile = Flamewatch.Agent.Intake.PprofDecoder.Decode("auto.pprof", pprof, long.MaxValue);
        var t1 = Stopwatch.GetTimestamp();
        var values = new Dictionary<int, Dictionary<int, long>>();
        Flamewatch.Agent.Storage.SampleIndexer.Add("auto.pprof", profile, phaseSymbols, values);
        var t2 = Stopwatch.GetTimestamp();
        foreach (var v in values.Values)
        {
            Flamewatch.Agent.Storage.SampleBlob.Encode(v);
        }
        var t3 = Stopwatch.GetTimestamp();
        phases[0] += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
        phases[1] += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        phases[2] += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
    }
    Console.WriteLine($"intake CPU per upload (single thread, warm): gunzip+parse {phases[0] / pprofs.Count:0.0} ms, "
        + $"index stacks {phases[1] / pprofs.Count:0.0} ms, encode {phases[2] / pprofs.Count:0.0} ms");

    // Pre-build every request body so the clients measure the agent, not multipart encoding.
    var end = DateTimeOffset.UtcNow.AddMinutes(-1);
    var bodies = new List<(byte[] Body, string ContentType)>(Pods * Periods);
    for (var period = 0; period < Periods; period++)
    {
        for (var pod = 0; pod < Pods; pod++)
        {
            var start = end.AddSeconds(-45 * (Periods - period));
            var upload = new ProfileUpload("checkout", start, start.AddSeconds(45),
                new Dictionary<string, string> { ["pod_name"] = $"checkout-{pod:000}", ["kube_namespace"] = "shop" },
                [new ProfileAttachment("auto.pprof", pprofs[(period * Pods + pod) % pprofs.Count])]);
            using var content = DatadogAgentExporter.CreateBody(upload);
            bodies.Add((await content.ReadAsByteArrayAsync(), content.Headers.ContentType!.ToString()));
        }
    }

    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = new Uri(address) };
    var next = -1;
    var failures = 0;
    var latencies = new double[bodies.Count];
    var ingest = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < bodies.Count)
        {
            var t = Stopwatch.GetTimestamp();
            using var content = new ByteArrayContent(bodies[i].Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(bodies[i].ContentType);
            using var response = await client.PostAsync("/profiling/v1/input", content);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }
            latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
    })));
    ingest.Stop();
    Array.Sort(latencies);
    var megabytes = bodies.Sum(b => (long)b.Body.Length) / 1024.0 / 1024.0;
    Console.WriteLine($"ingest: {bodies.Count} uploads ({megabytes:0} MB) from {Clients} concurrent clients in {ingest.Elapsed.TotalSeconds:0.0} s "
        + $"= {bodies.Count / ingest.Elapsed.TotalSeconds:0} uploads/s ({megabytes / ingest.Elapsed.TotalSeconds:0} MB/s); "
        + $"latency p50 {latencies[latencies.Length / 2]:0} ms, p99 {latencies[(int)(latencies.Length * 0.99)]:0} ms; failures {failures}");
    var db = new FileInfo(Path.Combine(dataDir, "profiles.db"));
    var wal = new FileInfo(Path.Combine(dataDir, "profiles.db-wal"));
    Console.WriteLine($"storage: {(db.Length + (wal.Exists ? wal.Length : 0)) / 1024.0 / 1024.0:0} MB on disk for {megabytes:0} MB of uploads");

    var from = end.AddHours(-1).AddSeconds(-1).ToUnixTimeSeconds();
    var to = end.ToUnixTimeSeconds() + 1;
    foreach (var (name, path) in new[]
    {
        ("merge 1 h x 100 pods (8,000 profiles) -> pprof", $"/api/profile?application=checkout&type=cpu-time/nanoseconds&from={from}&to={to}"),
        ("merge 1 h x 100 pods (8,000 profiles) -> flame graph JSON", $"/api/flamegraph?application=checkout&type=cpu-time/nanoseconds&from={from}&to={to}"),
        ("merge 1 h x 1 pod (80 profiles, label filter) -> pprof", $"/api/profile?application=checkout&type=cpu-time/nanoseconds&from={from}&to={to}&pod_name=checkout-042"),
    })
    {
        var runs = new List<double>();
        long size = 0;
        for (var run = 0; run < 3; run++)
        {
            var t = Stopwatch.StartNew();
            var bytes = await client.GetByteArrayAsync(path);
            runs.Add(t.Elapsed.TotalMilliseconds);
            size = bytes.Length;
        }
        runs.Sort();
        Console.WriteLine($"{name}: median {runs[1]:0} ms (min {runs[0]:0}, max {runs[2]:0}), answer {size / 1024} KB");
    }
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    Directory.Delete(dataDir, recursive: true);
}

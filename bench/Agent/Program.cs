// Agent benchmark: ingest throughput of realistic 30–100 KB pprof uploads from concurrent clients over
// loopback, gzip and zstd attachments side by side, then the latency of merging one hour of 100 pods at 45 s periods
// (8,000 profiles), then the query side (QueryBenchmark: timeline, diff, first paint). `--query-only` runs the query
// side alone (with its options --data-dir, --save and --baseline).
using System.Diagnostics;
using System.Net.Http.Headers;
using Flamewatch.Agent;
using Flamewatch.Bench.Agent;
using Flamewatch.Profiling.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

if (args.Contains("--query-only"))
{
    await QueryBenchmark.RunAsync(args);
    return;
}

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

    // The same pprofs zstd-compressed at level 3, the default of zstd, Node's zlib and libdatadog.
    var zstdPprofs = pprofs.Select(SyntheticProfiles.ToZstd).ToList();
    Console.WriteLine($"the same pprofs as zstd (level 3): mean {zstdPprofs.Average(p => p.Length) / 1024:0} KB");

    // Where an upload's CPU goes, single-threaded, before any HTTP.
    Console.WriteLine(IntakePhases.Measure(pprofs, zstdPprofs));

    // Pre-build every request body so the clients measure the agent, not multipart encoding. The zstd uploads
    // go to an application of their own, so that the merge figures below are those of 8,000 profiles.
    var end = DateTimeOffset.UtcNow.AddMinutes(-1);
    List<(byte[] Body, string ContentType)> Bodies(string application, List<byte[]> attachments)
    {
        var bodies = new List<(byte[] Body, string ContentType)>(Pods * Periods);
        for (var period = 0; period < Periods; period++)
        {
            for (var pod = 0; pod < Pods; pod++)
            {
                var start = end.AddSeconds(-45 * (Periods - period));
                var upload = new ProfileUpload(application, start, start.AddSeconds(45),
                    new Dictionary<string, string> { ["pod_name"] = $"checkout-{pod:000}", ["kube_namespace"] = "shop" },
                    [new ProfileAttachment("auto.pprof", attachments[(period * Pods + pod) % attachments.Count])]);
                using var content = DatadogAgentExporter.CreateBody(upload);
                bodies.Add((content.ReadAsByteArrayAsync().GetAwaiter().GetResult(), content.Headers.ContentType!.ToString()));
            }
        }
        return bodies;
    }
    var bodies = Bodies("checkout", pprofs);
    var zstdBodies = Bodies("checkout-zstd", zstdPprofs);

    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = new Uri(address) };
    var gzipRun = new IngestRun("gzip", bodies);
    var zstdRun = new IngestRun("zstd", zstdBodies);
    // Side by side: blocks of 1,000 uploads in the order gzip zstd zstd gzip ..., so that a change in the
    // machine's load during the run weighs on both codecs alike.
    const int Block = 1000;
    for (var block = 0; block < bodies.Count / Block; block++)
    {
        var (first, second) = block % 2 == 0 ? (gzipRun, zstdRun) : (zstdRun, gzipRun);
        await first.SendAsync(client, block * Block, Block, Clients);
        await second.SendAsync(client, block * Block, Block, Clients);
    }
    Console.WriteLine(gzipRun.Report(Clients));
    Console.WriteLine(zstdRun.Report(Clients));
    Console.WriteLine($"zstd vs gzip: {zstdRun.UploadsPerSecond / gzipRun.UploadsPerSecond:0.00}x the uploads/s, "
        + $"{zstdRun.CpuPerUpload / gzipRun.CpuPerUpload:0.00}x the CPU per upload, {zstdRun.Megabytes / gzipRun.Megabytes:0.00}x the bytes sent");
    var cpuPerUpload = gzipRun.CpuPerUpload;
    var megabytes = gzipRun.Megabytes + zstdRun.Megabytes;
    // Other processes share the machine: the CPU this process spent per upload (agent and clients together)
    // bounds what the cores could do alone.
    Console.WriteLine($"ingest CPU (gzip): {cpuPerUpload:0.00} ms per upload (agent + clients, all threads) -> at most "
        + $"{Environment.ProcessorCount * 1000 / cpuPerUpload:0} uploads/s on {Environment.ProcessorCount} idle cores; load average during the run: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    var db = new FileInfo(Path.Combine(dataDir, "profiles.db"));
    var wal = new FileInfo(Path.Combine(dataDir, "profiles.db-wal"));
    Console.WriteLine($"storage: {(db.Length + (wal.Exists ? wal.Length : 0)) / 1024.0 / 1024.0:0} MB on disk for {megabytes:0} MB of uploads ({bodies.Count + zstdBodies.Count} profiles)");

    // The same work without HTTP or multipart: straight into the intake's validation, indexing and store.
    var ingestor = app.Services.GetRequiredService<Flamewatch.Agent.Intake.ProfileIngestor>();
    const int Direct = 2000;
    var nextDirect = -1;
    var directCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var direct = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref nextDirect)) < Direct)
        {
            var start = end.AddSeconds(-45 * (i / Pods + 1));
            await ingestor.IngestAsync("bench", "direct", start, start.AddSeconds(45),
                [new("pod_name", $"direct-{i % Pods:000}")], [new("auto.pprof", pprofs[i % pprofs.Count])], CancellationToken.None);
        }
    })));
    direct.Stop();
    var directCpu = (Process.GetCurrentProcess().TotalProcessorTime - directCpuBefore).TotalMilliseconds / Direct;
    Console.WriteLine($"ingest without HTTP ({Direct} uploads, {Clients} tasks): {Direct / direct.Elapsed.TotalSeconds:0} uploads/s, "
        + $"{directCpu:0.00} ms CPU per upload -> HTTP + multipart (both ends) cost {cpuPerUpload - directCpu:0.00} ms per upload");

    // The clients' and HTTP transport's share: the same requests to an endpoint that only drains the body.
    var sinkBuilder = WebApplication.CreateSlimBuilder();
    sinkBuilder.WebHost.UseUrls("http://127.0.0.1:0");
    sinkBuilder.Logging.ClearProviders();
    await using var sink = sinkBuilder.Build();
    sink.MapPost("/sink", async (HttpContext context) =>
    {
        var buffer = new byte[16 * 1024];
        while (await context.Request.Body.ReadAsync(buffer) > 0)
        {
        }
        return Results.Ok();
    });
    await sink.StartAsync();
    using var sinkClient = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients })
    {
        BaseAddress = new Uri(sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
    };
    const int Sunk = 4000;
    var nextSunk = -1;
    var sinkCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref nextSunk)) < Sunk)
        {
            using var content = new ByteArrayContent(bodies[i].Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(bodies[i].ContentType);
            using var response = await sinkClient.PostAsync("/sink", content);
        }
    })));
    var sinkCpu = (Process.GetCurrentProcess().TotalProcessorTime - sinkCpuBefore).TotalMilliseconds / Sunk;
    await sink.StopAsync();
    Console.WriteLine($"clients + HTTP transport alone (same requests to an endpoint that drains the body): {sinkCpu:0.00} ms CPU per upload "
        + $"-> the agent's own share (multipart, intake, store) is {cpuPerUpload - sinkCpu:0.00} ms per upload");

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

await QueryBenchmark.RunAsync(args);

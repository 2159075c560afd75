using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Flamewatch.TestKit.Processes;
using Xunit.Abstractions;

namespace Flamewatch.Agent.Tests.Fuzz;

/// <summary>
/// Fuzzes the agent's write paths with generated hostile requests (10,000 by default) against the real agent
/// executable over loopback, after replaying the regression corpus in <c>Fuzz/corpus</c>. Every request must
/// get an answer, never a 5xx; the agent stays healthy, a profile stored before is served unchanged after,
/// memory and descriptors stay bounded, and nothing but the database appears in the data directory.
/// <c>FLAMEWATCH_FUZZ_SEED</c> and <c>FLAMEWATCH_FUZZ_COUNT</c> reproduce or lengthen a run; a failure is
/// shrunk and written to the corpus so that it is replayed from then on.
/// </summary>
public sealed class IntakeFuzzTests(ITestOutputHelper output)
{
    private const long MaxBodyBytes = 2 * 1024 * 1024;
    private const long MaxDecompressedBytes = 8 * 1024 * 1024;
    private const int Workers = 4;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private static string CorpusDirectory => Path.Combine(TestPaths.RepositoryRoot, "tests", "Agent.Tests", "Fuzz", "corpus");

    [Fact]
    public async Task HostileRequestsGetAnAnswerBelow500AndTheAgentKeepsItsData()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FLAMEWATCH_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        var count = int.TryParse(Environment.GetEnvironmentVariable("FLAMEWATCH_FUZZ_COUNT"), CultureInfo.InvariantCulture, out var c) ? c : 10_000;
        var bomb = IntakeFuzzer.Bomb(8 * MaxDecompressedBytes);
        await using var agent = await AgentProcess.StartAsync(cts.Token,
            ["--max-body-bytes", MaxBodyBytes.ToString(CultureInfo.InvariantCulture), "--max-decompressed-bytes", MaxDecompressedBytes.ToString(CultureInfo.InvariantCulture)],
            logLevel: "Error");
        var endPoint = new IPEndPoint(IPAddress.Loopback, agent.Address.Port);

        var keepBoundary = "keep0123456789";
        var keepBody = Uploads.Body(keepBoundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event("keep", ["wall.pprof"], ",pod_name:keep-1"))),
            ("wall.pprof", "application/octet-stream", Pprofs.Gzip(Pprofs.Create(["wall/nanoseconds"], (["main", "Kept.Frame"], [42_000_000L])))));
        using (var stored = await Uploads.PostAsync(agent.Client, keepBoundary, keepBody, cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }
        // The kept profile began a minute ago; a query spans at most 31 days.
        var keptQuery = $"/api/flamegraph?application=keep&type=wall/nanoseconds&from={DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeSeconds()}&to={DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds()}";
        var keptBefore = await agent.Client.GetStringAsync(keptQuery, cts.Token);
        Assert.Contains("Kept.Frame", keptBefore, StringComparison.Ordinal);
        var rssBefore = agent.ResidentBytes();
        var fdBefore = agent.OpenFileDescriptors();

        // 1. The regression corpus: every case ever found (and the hand-picked ones) is replayed first.
        var failures = new ConcurrentQueue<string>();
        var corpus = Directory.Exists(CorpusDirectory) ? Directory.GetFiles(CorpusDirectory, "*.http").Order(StringComparer.Ordinal).ToArray() : [];
        foreach (var file in corpus)
        {
            var entry = FuzzRequest.Load(file);
            var outcome = await RawHttp.SendAsync(endPoint, entry.Bytes, entry.HalfClose, RequestTimeout, cts.Token);
            if (Fails(outcome, entry.HalfClose))
            {
                failures.Enqueue($"corpus {entry.Name}: {outcome}");
            }
        }

        // 2. Generated cases, produced in a fixed order by one seeded generator and sent by several workers.
        var fuzzer = new IntakeFuzzer(seed, bomb, MaxBodyBytes);
        var statuses = new ConcurrentDictionary<int, int>();
        var kinds = new ConcurrentDictionary<string, int>();
        var failing = new ConcurrentQueue<(FuzzRequest Request, Outcome Outcome)>();
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                FuzzRequest request;
                lock (fuzzer)
                {
                    if (next >= count)
                    {
                        return;
                    }
                    next++;
                    request = fuzzer.Next();
                }
                var outcome = await RawHttp.SendAsync(endPoint, request.ToBytes(), request.HalfClose, RequestTimeout, cts.Token);
                statuses.AddOrUpdate(outcome.Status, 1, (_, n) => n + 1);
                kinds.AddOrUpdate(request.Kind, 1, (_, n) => n + 1);
                if (Fails(outcome, request.HalfClose))
                {
                    failing.Enqueue((request, outcome));
                }
            }
        }, cts.Token)));
        clock.Stop();

        // 3. Failures are shrunk and kept in the corpus.
        foreach (var (request, outcome) in failing.Take(3))
        {
            var shrunk = await Shrinker.ShrinkAsync(request, async candidate =>
                Fails(await RawHttp.SendAsync(endPoint, candidate.ToBytes(), candidate.HalfClose, RequestTimeout, cts.Token), candidate.HalfClose));
            Directory.CreateDirectory(CorpusDirectory);
            var path = Path.Combine(CorpusDirectory, shrunk.FileName());
            await File.WriteAllBytesAsync(path, shrunk.ToBytes(), cts.Token);
            failures.Enqueue($"{request.Kind}: {outcome} (shrunk from {request.ToBytes().Length} to {shrunk.ToBytes().Length} bytes, saved as {path})");
        }
        if (!failing.IsEmpty)
        {
            failures.Enqueue("failing kinds: " + string.Join(", ", failing.GroupBy(f => $"{f.Request.Kind} {Label(f.Outcome.Status)}").Select(g => $"{g.Key}×{g.Count()}")));
        }
        foreach (var (request, outcome) in failing.Skip(3).Take(20))
        {
            failures.Enqueue($"{request.Kind}: {outcome}");
        }

        using var health = await agent.Client.GetAsync("/healthz", cts.Token);
        var keptAfter = await agent.Client.GetStringAsync(keptQuery, cts.Token);
        await Task.Delay(500, cts.Token);
        var rssAfter = agent.ResidentBytes();
        var fdAfter = agent.OpenFileDescriptors();
        var dataFiles = Directory.GetFileSystemEntries(agent.DataDirectory, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();

        var summary = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"seed {seed}: {count} generated requests in {clock.Elapsed.TotalSeconds:F1} s ({count / clock.Elapsed.TotalSeconds:F0}/s) after {corpus.Length} corpus cases")
            .AppendLine("answers: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{Label(p.Key)}×{p.Value}")))
            .AppendLine(CultureInfo.InvariantCulture, $"4xx: {statuses.Where(p => p.Key is >= 400 and < 500).Sum(p => p.Value)}, 5xx: {statuses.Where(p => p.Key >= 500).Sum(p => p.Value)}, no answer: {statuses.GetValueOrDefault(Outcome.NoResponse) + statuses.GetValueOrDefault(Outcome.TimedOut)}")
            .AppendLine(CultureInfo.InvariantCulture, $"agent RSS {rssBefore / 1048576.0:F0} MiB before, {rssAfter / 1048576.0:F0} MiB after; fds {fdBefore} before, {fdAfter} after")
            .AppendLine("data dir: " + string.Join(", ", dataFiles))
            .AppendLine("kinds: " + string.Join(", ", kinds.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}×{p.Value}")));
        output.WriteLine(summary.ToString());
        await File.WriteAllTextAsync(Path.Combine(TestPaths.Artifacts, "intake-fuzz.txt"), summary.ToString(), cts.Token);

        Assert.True(failures.IsEmpty, $"seed {seed}:\n" + string.Join("\n", failures) + "\n" + summary);
        Assert.False(agent.HasExited, "the agent exited");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(keptBefore, keptAfter);
        Assert.True(rssAfter < rssBefore + 512L * 1024 * 1024, $"agent RSS grew from {rssBefore} to {rssAfter} bytes");
        Assert.True(fdAfter <= fdBefore + 16, $"agent descriptors grew from {fdBefore} to {fdAfter}");
        Assert.All(dataFiles, f => Assert.StartsWith("profiles.db", f, StringComparison.Ordinal));
        Assert.True(string.IsNullOrEmpty(agent.Errors), "the agent logged errors:\n" + agent.Errors);
    }

    /// <summary>A 5xx, a timeout, or a connection closed without an answer (unless the client itself hung up mid-request).</summary>
    private static bool Fails(Outcome outcome, bool halfClose) =>
        outcome.Status >= 500 || outcome.Status == Outcome.TimedOut || outcome.Status == Outcome.NoResponse && !halfClose;

    private static string Label(int status) => status switch
    {
        Outcome.NoResponse => "none",
        Outcome.TimedOut => "timeout",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };
}

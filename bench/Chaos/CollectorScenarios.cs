using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.SimulatedNodes;
using k8s;
using k8s.Models;

namespace Flamewatch.Bench.Chaos;

/// <summary>
/// <c>flamewatch-collector run</c> (its own process, Kubernetes mode) on a simulated node, against the in-process test
/// API server and the agent process, while the API server drops its watches, compacts its history and answers its
/// requests with 429/500 or slowly, and the harness annotates, un-annotates, deletes, re-configures and adds pods.
/// </summary>
internal static partial class CollectorScenarios
{
    private const string Namespace = "default";
    private const string NodeName = "node-a";
    private const string Prefix = "cf-";
    private const string FirstLabels = """{"rev":"1"}""";
    private static readonly TimeSpan s_tenSeconds = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_faultDuration = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_proofWindow = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On node-a: keep-1, keep-2, change, unannotate, delete (annotated, period 10 s), later and plain (not annotated);
    /// on node-b: elsewhere (annotated). Each runs one .NET process on this machine. During 30 s of faults aimed at the
    /// collector's requests: later is annotated (t=4 s), unannotate loses its annotation (t=8 s), delete is deleted
    /// (t=12 s, its process keeps running), change gets labels rev=2 and period 15 s (t=16 s), and added is created
    /// annotated (t=20 s). Afterwards the collector's sessions must be exactly keep-1, keep-2, change (15 s), later and
    /// added, with no duplicate, and over the next 30 s the agent must receive profiles from those five only.
    /// </summary>
    public static async Task CollectorFaultsAsync()
    {
        Console.WriteLine("--- collector under API faults for 30s (watches dropped every 3s, history compacted every 7s, 429 and 500 for 1.5s every 5s each, 2s delays for 1s every 10s) while pods are annotated, un-annotated, deleted, re-configured and added ---");
        if (NodeCapabilities.Current.UnsupportedReason is { } unsupported)
        {
            Console.WriteLine($"  skipped: a simulated node cannot run here: {unsupported}");
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var token = timeout.Token;
        var clock = Stopwatch.StartNew();
        await using var server = await TestApiServer.StartAsync(cancellationToken: token);
        using var harness = server.CreateClient(userAgent: "chaos-harness/1.0");
        await using var agent = await AgentProcess.StartAsync(token);
        await using var node = new SimulatedNode(NodeCapabilities.Current);

        var pods = new ConcurrentDictionary<string, TestPod>();
        var created = 0;
        async Task CreatePodAsync(string name, bool annotated, string nodeName = NodeName)
        {
            var driver = Interlocked.Increment(ref created) % 2 == 0 ? KubeletCgroupDriver.Cgroupfs : KubeletCgroupDriver.Systemd;
            pods[name] = await PodObjects.CreateAsync(harness, node, Namespace, name, nodeName, driver,
                annotated ? PodObjects.Enabled(Prefix + name, FirstLabels) : null, [("app", ContainerProgram.DotNet)], token);
        }

        await Task.WhenAll(
            CreatePodAsync("keep-1", annotated: true),
            CreatePodAsync("keep-2", annotated: true),
            CreatePodAsync("change", annotated: true),
            CreatePodAsync("unannotate", annotated: true),
            CreatePodAsync("delete", annotated: true),
            CreatePodAsync("later", annotated: false),
            CreatePodAsync("plain", annotated: false),
            CreatePodAsync("elsewhere", annotated: true, nodeName: "node-b"));

        var sessions = new CollectorSessionLog(clock);
        var port = Loopback.FreePort();
        using var collector = ChildProcess.Start("flamewatch-collector.dll",
            ["run", "--agent", agent.Url, "--node-name", NodeName, "--kubeconfig", server.KubeconfigPath,
             "--port", port.ToString(CultureInfo.InvariantCulture), "--bind-address", "127.0.0.1"],
            new Dictionary<string, string>
            {
                ["Logging__Console__FormatterOptions__SingleLine"] = "true",
                ["Logging__LogLevel__Default"] = "Information",
                ["Logging__LogLevel__Microsoft"] = "Warning",
                // The informer's list/watch/broken-watch lines explain slow reactions.
                ["Logging__LogLevel__Flamewatch.NodeCollector.PodInformer"] = "Debug",
            });
        collector.LineReceived += sessions.Add;
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        var initial = new Dictionary<string, TimeSpan> { ["keep-1"] = s_tenSeconds, ["keep-2"] = s_tenSeconds, ["change"] = s_tenSeconds, ["unannotate"] = s_tenSeconds, ["delete"] = s_tenSeconds };
        var initialConvergence = await ConvergeAsync(sessions, metrics, pods, initial, collector, TimeSpan.FromSeconds(60), token);
        Console.WriteLine($"  setup: 8 pods with one .NET process each, collector started; its 5 sessions ran {Seconds(initialConvergence)} after its start (t={clock.Elapsed.TotalSeconds:F0}s)");
        Checks.That(initialConvergence is not null, "the collector never profiled the 5 annotated pods of its node: " + Describe(sessions, initial, pods) + "; its last lines: " + collector.Tail(8));
        if (initialConvergence is null)
        {
            return;
        }

        var rss = new ConcurrentBag<long>();
        var baselineRss = collector.ResidentBytes();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            try
            {
                while (!sampling.IsCancellationRequested && !collector.HasExited)
                {
                    rss.Add(collector.ResidentBytes());
                    await Task.Delay(1000, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // The collector exited; the checks below report it.
            }
        }, CancellationToken.None);

        // Faults hit the collector's requests only (its User-Agent); the harness's writes go through.
        var faultStart = clock.Elapsed;
        var requestsBefore = CollectorRequests(server);
        var changes = new Dictionary<string, TimeSpan>();
        for (var tick = 1; tick <= (int)s_faultDuration.TotalSeconds; tick++)
        {
            var wait = faultStart + TimeSpan.FromSeconds(tick) - clock.Elapsed;
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, token);
            if (tick % 3 == 0)
            {
                server.DropWatches();
            }

            if (tick % 7 == 0)
            {
                server.CompactHistory();
            }

            if (tick % 5 == 1)
            {
                server.FailRequests(429, times: -1, match: FromCollectorFor(clock, TimeSpan.FromSeconds(1.5)));
            }

            if (tick % 5 == 3)
            {
                server.FailRequests(500, times: -1, match: FromCollectorFor(clock, TimeSpan.FromSeconds(1.5)));
            }

            if (tick % 10 == 5)
            {
                server.DelayRequests(TimeSpan.FromSeconds(2), times: -1, match: FromCollectorFor(clock, TimeSpan.FromSeconds(1)));
            }

            switch (tick)
            {
                case 4:
                    changes["annotated"] = clock.Elapsed;
                    await PatchAsync(harness, "later", PodObjects.Enabled(Prefix + "later", FirstLabels).ToDictionary(a => a.Key, a => (string?)a.Value), token);
                    break;
                case 8:
                    changes["un-annotated"] = clock.Elapsed;
                    await PatchAsync(harness, "unannotate", new Dictionary<string, string?> { ["flamewatch.io/enabled"] = null }, token);
                    break;
                case 12:
                    changes["deleted"] = clock.Elapsed;
                    await harness.CoreV1.DeleteNamespacedPodAsync("delete", Namespace, cancellationToken: token);
                    break;
                case 16:
                    changes["re-configured"] = clock.Elapsed;
                    await PatchAsync(harness, "change", new Dictionary<string, string?> { ["flamewatch.io/labels"] = """{"rev":"2"}""", ["flamewatch.io/period"] = "15s" }, token);
                    break;
                case 20:
                    changes["added"] = clock.Elapsed;
                    await CreatePodAsync("added", annotated: true);
                    break;
            }
        }

        var faultRequests = CollectorRequests(server) - requestsBefore;
        var faultSeconds = (clock.Elapsed - faultStart).TotalSeconds;
        server.ClearFaults();
        var faultsEnd = clock.Elapsed;

        var expected = new Dictionary<string, TimeSpan> { ["keep-1"] = s_tenSeconds, ["keep-2"] = s_tenSeconds, ["change"] = TimeSpan.FromSeconds(15), ["later"] = s_tenSeconds, ["added"] = s_tenSeconds };
        var converged = await ConvergeAsync(sessions, metrics, pods, expected, collector, TimeSpan.FromSeconds(60), token);
        var reactions = new[]
        {
            ("annotated", sessions.FirstAfter("later", CollectorSessionLog.SessionStarted, changes["annotated"])),
            ("un-annotated", sessions.FirstAfter("unannotate", CollectorSessionLog.SessionStopping, changes["un-annotated"])),
            ("deleted", sessions.FirstAfter("delete", CollectorSessionLog.SessionStopping, changes["deleted"])),
            ("re-configured", sessions.FirstAfter("change", CollectorSessionLog.SessionStarted, changes["re-configured"], TimeSpan.FromSeconds(15))),
            ("added", sessions.FirstAfter("added", CollectorSessionLog.SessionStarted, changes["added"])),
        };

        // The collector's watch is open again (it may still have been backing off), then the flushed partial periods
        // of the stopped sessions land; from then on, watch what the agent receives and what the collector asks.
        TimeSpan? watching = await WatchOpenAsync(server, TimeSpan.FromSeconds(60), token) ? clock.Elapsed - faultsEnd : null;
        await Task.Delay(TimeSpan.FromSeconds(5), token);
        var before = await CountsAsync(agent, token);
        var idleStart = CollectorRequests(server);
        await Task.Delay(TimeSpan.FromSeconds(10), token);
        var idle = CollectorRequests(server) - idleStart;
        await Task.Delay(s_proofWindow - TimeSpan.FromSeconds(10), token);
        var after = await CountsAsync(agent, token);
        await sampling.CancelAsync();
        await sampler;
        var health = await HealthAsync(metrics, token);
        var finalRss = collector.HasExited ? 0 : collector.ResidentBytes();
        var peakRss = rss.IsEmpty ? 0 : rss.Max();

        var backoffs = collector.Lines.Select(l => InformerBackoff().Match(l)).Where(m => m.Success)
            .Select(m => double.Parse(m.Groups["seconds"].Value, CultureInfo.InvariantCulture)).ToList();
        Console.WriteLine($"  during faults: {faultRequests} collector requests in {faultSeconds:F0}s ({faultRequests / faultSeconds:F1}/s); idle afterwards: {idle} requests in 10s; "
            + $"{backoffs.Count} failed pod list/watch attempts, longest backoff {(backoffs.Count == 0 ? 0 : backoffs.Max()):F1}s");
        Console.WriteLine($"  reactions under faults (API call → the collector's session start/stop; added includes starting its container): {string.Join(", ", reactions.Select(r => $"{r.Item1} {Seconds(r.Item2 - changes[r.Item1])}"))}");
        Console.WriteLine($"  sessions matched the 5 annotated pods of node-a {Seconds(converged)} after the faults stopped (t={faultsEnd.TotalSeconds:F0}s), its pod watch open again {Seconds(watching)} after; "
            + $"duplicate starts: {sessions.DuplicateStarts}, sessions that broke: {sessions.UnexpectedEnds}, failed attaches: {sessions.AttachFailures}");
        Console.WriteLine($"  profiles at the agent in the {s_proofWindow.TotalSeconds:F0}s after: {string.Join(", ", after.Select(c => $"{c.Key} +{c.Value - before.GetValueOrDefault(c.Key)}"))}");
        Console.WriteLine($"  collector alive: {!collector.HasExited}, /healthz {health}; RSS {ProcessReadings.MiB(baselineRss)} before the faults, peak {ProcessReadings.MiB(peakRss)}, {ProcessReadings.MiB(finalRss)} at the end");

        var logFile = Path.Combine(Path.GetTempPath(), "flamewatch-chaos-collectorfaults.log");
        await File.WriteAllLinesAsync(logFile, collector.Lines, CancellationToken.None);
        Console.WriteLine($"  the collector's log: {logFile}");
        Checks.That(!collector.HasExited, "the collector exited: " + collector.Tail(10));
        Checks.That(health == 200, "the collector's /healthz answered " + health);
        Checks.That(converged is not null, "the collector's sessions did not match the annotated pods within 60 s: " + Describe(sessions, expected, pods));
        Checks.That(watching is not null, "the collector's pod watch was not open again within 60 s of the faults' end");
        Checks.That(sessions.DuplicateStarts == 0, $"{sessions.DuplicateStarts} sessions were started for a process that already had one");
        Checks.That(reactions.All(r => r.Item2 is not null), "the collector missed a change: " + string.Join(", ", reactions.Where(r => r.Item2 is null).Select(r => r.Item1)));
        Checks.That(faultRequests / faultSeconds < 5, $"the collector's request rate under faults is not bounded: {faultRequests / faultSeconds:F1}/s");
        Checks.That(idle <= 3, $"the collector keeps calling the API server when nothing changes: {idle} requests in 10 s");
        Checks.That(finalRss < 300L * 1024 * 1024 && finalRss < (baselineRss * 3 / 2) + (32L * 1024 * 1024), $"collector RSS grew: {ProcessReadings.MiB(baselineRss)} → {ProcessReadings.MiB(finalRss)}");
        CheckDeliveries(expected, before, after);
    }

    /// <summary>
    /// Over the proof window: each expected pod's application got at least one profile and at most one per period plus
    /// one (a duplicate session would double that); the re-configured pod only with its new labels; every other
    /// application none.
    /// </summary>
    private static void CheckDeliveries(IReadOnlyDictionary<string, TimeSpan> expected, IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after)
    {
        foreach (var (key, count) in after)
        {
            var added = count - before.GetValueOrDefault(key);
            var pod = key.Split(' ')[0][Prefix.Length..];
            if (key == Prefix + "change rev=1")
            {
                Checks.That(added == 0, $"{key}: {added} profiles with the old labels after the change applied");
            }
            else if (key == Prefix + "change rev=2" || (expected.ContainsKey(pod) && pod != "change"))
            {
                var most = (int)Math.Ceiling(s_proofWindow / expected[pod]) + 1;
                Checks.That(added >= 1, $"{key}: no profile in {s_proofWindow.TotalSeconds:F0} s (session lost)");
                Checks.That(added <= most, $"{key}: {added} profiles in {s_proofWindow.TotalSeconds:F0} s, more than one per period (duplicate session?)");
            }
            else
            {
                Checks.That(added == 0, $"{key}: {added} profiles from a pod that is not profiled any more");
            }
        }

        foreach (var pod in expected.Keys.Where(p => p != "change"))
        {
            Checks.That(after.ContainsKey(Prefix + pod), $"{Prefix + pod}: never profiled");
        }

        Checks.That(!after.ContainsKey(Prefix + "elsewhere"), "the pod of another node was profiled");
        Checks.That(!after.ContainsKey(Prefix + "plain"), "an unannotated pod was profiled");
    }

    /// <summary>Profiles per application, the re-configured pod's split by its rev label.</summary>
    private static async Task<Dictionary<string, long>> CountsAsync(AgentProcess agent, CancellationToken cancellationToken)
    {
        var counts = (await agent.ApplicationsAsync(cancellationToken)).Values
            .Where(a => a.Name.StartsWith(Prefix, StringComparison.Ordinal) && a.Name != Prefix + "change")
            .ToDictionary(a => a.Name, a => a.Profiles);
        foreach (var revision in new[] { "1", "2" })
        {
            counts[$"{Prefix}change rev={revision}"] = await agent.ProfileCountAsync(Prefix + "change", new Dictionary<string, string> { ["rev"] = revision }, cancellationToken);
        }

        return counts;
    }

    /// <summary>
    /// Time until the collector's sessions (its log) are exactly one per expected pod's process, with the expected period,
    /// and its <c>sessions_active</c> metric agrees; null when that does not happen within <paramref name="timeout"/>.
    /// </summary>
    private static async Task<TimeSpan?> ConvergeAsync(
        CollectorSessionLog sessions, HttpClient metrics, IReadOnlyDictionary<string, TestPod> pods, IReadOnlyDictionary<string, TimeSpan> expected,
        ChildProcess collector, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !collector.HasExited)
        {
            if (Mismatches(sessions, expected, pods).Count == 0 && await SessionsActiveAsync(metrics, cancellationToken) == expected.Count)
            {
                return clock.Elapsed;
            }

            await Task.Delay(100, cancellationToken);
        }

        return null;
    }

    /// <summary>Waits until the collector has a pod watch open (it is the only client that watches); false after <paramref name="timeout"/>.</summary>
    private static async Task<bool> WatchOpenAsync(TestApiServer server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (server.OpenWatches == 0)
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(100, cancellationToken);
        }

        return true;
    }

    private static List<string> Mismatches(CollectorSessionLog sessions, IReadOnlyDictionary<string, TimeSpan> expected, IReadOnlyDictionary<string, TestPod> pods)
    {
        var running = sessions.Running;
        var wrong = new List<string>();
        foreach (var (pod, period) in expected)
        {
            if (!pods.TryGetValue(pod, out var testPod) || !running.TryGetValue((pod, testPod.Container("app").HostPid), out var session))
            {
                wrong.Add($"{pod}: no session");
            }
            else if (session.Period != period)
            {
                wrong.Add($"{pod}: period {session.Period.TotalSeconds:F0}s, expected {period.TotalSeconds:F0}s");
            }
        }

        wrong.AddRange(running.Keys
            .Where(k => !expected.ContainsKey(k.Pod) || !pods.TryGetValue(k.Pod, out var pod) || pod.Container("app").HostPid != k.Pid)
            .Select(k => $"{k.Pod} (PID {k.Pid}): unexpected session"));
        return wrong;
    }

    private static string Describe(CollectorSessionLog sessions, IReadOnlyDictionary<string, TimeSpan> expected, IReadOnlyDictionary<string, TestPod> pods) =>
        string.Join(", ", Mismatches(sessions, expected, pods));

    private static async Task<double> SessionsActiveAsync(HttpClient metrics, CancellationToken cancellationToken)
    {
        const string Series = "flamewatch_collector_sessions_active ";
        try
        {
            var text = await metrics.GetStringAsync("metrics", cancellationToken);
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(Series, StringComparison.Ordinal));
            return line is null ? -1 : double.Parse(line[Series.Length..], CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    /// <summary>The status code of the collector's <c>/healthz</c>; 0 when nothing answers.</summary>
    private static async Task<int> HealthAsync(HttpClient metrics, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await metrics.GetAsync("healthz", cancellationToken);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static Task PatchAsync(IKubernetes client, string pod, IReadOnlyDictionary<string, string?> annotations, CancellationToken cancellationToken)
    {
        var changes = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in annotations)
        {
            changes[key] = value;
        }

        var patch = new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = changes } };
        return client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), pod, Namespace, cancellationToken: cancellationToken);
    }

    /// <summary>The collector's requests (the Flamewatch client's User-Agent; the harness sends its own) from now for <paramref name="length"/>.</summary>
    private static Func<Microsoft.AspNetCore.Http.HttpRequest, bool> FromCollectorFor(Stopwatch clock, TimeSpan length)
    {
        var until = clock.Elapsed + length;
        return request => clock.Elapsed < until && request.Headers.UserAgent.ToString().StartsWith("flamewatch/", StringComparison.Ordinal);
    }

    private static int CollectorRequests(TestApiServer server) =>
        server.Requests.Count(r => r.UserAgent.StartsWith("flamewatch/", StringComparison.Ordinal));

    [GeneratedRegex(@"Informer pods: list/watch failed; retrying in (?<seconds>[0-9.]+) s")]
    private static partial Regex InformerBackoff();

    private static string Seconds(TimeSpan? value) => value is { } v ? $"{v.TotalSeconds:F1}s" : "never";
}

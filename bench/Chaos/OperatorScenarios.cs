using System.Diagnostics;
using System.Text;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Bench.Chaos;

/// <summary>
/// The operator executable against the in-process test API server: API faults (dropped watches, compaction,
/// 429/500, slow requests), SIGKILLs during reconciles and deletes, and two replicas with leader election.
/// 3 ContinuousProfiles (p-a, p-b, p-c) select 10 pods each (app=a|b|c); 5 more pods match none.
/// </summary>
internal static class OperatorScenarios
{
    private const string Namespace = "chaos";
    private const string ManagedBy = "flamewatch.io/managed-by";

    public static async Task ApiFaultsAsync()
    {
        Console.WriteLine("--- operator under API faults for 30s: watches dropped every 3s, history compacted every 7s, 429/500 bursts, slow requests ---");
        await using var server = await SetUpAsync();
        // Like Kubernetes, the harness restarts an operator that exits (it exits when it loses its Lease, which
        // faulted renewals can cause).
        var op = StartOperator(server, "solo");
        var restarts = 0;
        using var supervising = new CancellationTokenSource();
        var supervisor = Task.Run(async () =>
        {
            while (!supervising.IsCancellationRequested)
            {
                if (op.HasExited)
                {
                    op.Dispose();
                    op = StartOperator(server, $"solo-{++restarts}");
                }
                await Task.Delay(200);
            }
        });
        await CreatePodsAsync(server, 0, 5);
        var faultClock = Stopwatch.StartNew();
        var requestsBefore = OperatorRequests(server);
        var objectsCreated = Task.Run(async () =>
        {
            await CreateProfilesAsync(server, "a", "b", "c");
            for (var batch = 1; batch < 7; batch++)
            {
                await Task.Delay(1500);
                await CreatePodsAsync(server, batch * 5, 5);
            }
        });
        var tick = 0;
        while (faultClock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(1000);
            tick++;
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
                server.FailRequests(429, times: 4, match: FromOperator);
            }
            if (tick % 5 == 3)
            {
                server.FailRequests(500, times: 4, match: FromOperator);
            }
            if (tick % 10 == 5)
            {
                server.DelayRequests(TimeSpan.FromSeconds(2), times: 3, match: FromOperator);
            }
        }
        Console.WriteLine($"  faults stopped at {faultClock.Elapsed.TotalSeconds:F0}s; waiting for the harness's creations");
        await objectsCreated.WaitAsync(TimeSpan.FromSeconds(60));
        var faultRequests = OperatorRequests(server) - requestsBefore;
        server.ClearFaults();
        var converged = await ConvergeAsync(server, ["a", "b", "c"], TimeSpan.FromSeconds(90));
        var idleStart = OperatorRequests(server);
        await Task.Delay(TimeSpan.FromSeconds(10));
        var idle = OperatorRequests(server) - idleStart;
        await supervising.CancelAsync();
        await supervisor;
        Console.WriteLine($"  during faults: {faultRequests} operator requests (Lease renewals aside) in 30s ({faultRequests / 30.0:F1}/s), {restarts} restart(s) after a lost Lease; converged {converged?.TotalSeconds:F1}s after the faults stopped; idle afterwards: {idle} requests in 10s");
        Checks.That(converged is not null, "the operator did not converge: " + Describe(server, ["a", "b", "c"]));
        Checks.That(faultRequests / 30.0 < 50, "request rate under faults is not bounded");
        Checks.That(idle < 30, "the operator keeps calling the API server when nothing changes");
        Checks.That(!op.HasExited, "the operator exited after the faults: " + string.Join("\n    ", op.Lines.TakeLast(12)));
        op.Dispose();
    }

    public static async Task OperatorKillsAsync()
    {
        Console.WriteLine("--- operator SIGKILLed 8 times during reconciles and a delete ---");
        await using var server = await SetUpAsync();
        await CreatePodsAsync(server, 0, 35);
        var op = StartOperator(server, "k0");
        var random = new Random(5);
        await CreateProfilesAsync(server, "a", "b", "c");
        for (var kill = 1; kill <= 8; kill++)
        {
            await Task.Delay(random.Next(300, 1500));
            op.Dispose();
            if (kill == 3)
            {
                using var raw = server.CreateRawClient();
                Interlocked.Increment(ref _harnessRequests);
                await raw.DeleteAsync(RawApiClient.PathOf("flamewatch.io", "v1alpha1", "continuousprofiles", Namespace, "p-c"));
            }
            if (kill == 5)
            {
                await CreatePodsAsync(server, 35, 10);
            }
            op = StartOperator(server, $"k{kill}");
        }
        var clock = Stopwatch.StartNew();
        var converged = await ConvergeAsync(server, ["a", "b"], TimeSpan.FromSeconds(90));
        // The finalizer is released after the pods: the annotations converge first, the deleted profile goes a moment later.
        TimeSpan? released = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (!ProfileNames(server).Contains("p-c"))
            {
                released = clock.Elapsed;
                break;
            }
            await Task.Delay(50);
        }
        var remaining = ProfileNames(server);
        Console.WriteLine($"  annotations converged {converged?.TotalSeconds:F2}s after the last restart, the deleted profile's finalizer released after {released?.TotalSeconds:F2}s; profiles left: {string.Join(", ", remaining)}");
        Checks.That(converged is not null, "not converged after kills: " + Describe(server, ["a", "b"]));
        Checks.That(released is not null, "the deleted profile is still there (finalizer not released): " + string.Join("\n    ", op.Lines.TakeLast(12)));
        op.Dispose();
    }

    public static async Task TwoReplicasAsync()
    {
        Console.WriteLine("--- two operator replicas: one leader at a time; the leader killed ---");
        await using var server = await SetUpAsync();
        await CreatePodsAsync(server, 0, 35);
        using var r1 = StartOperator(server, "replica-1");
        using var r2 = StartOperator(server, "replica-2");
        await CreateProfilesAsync(server, "a", "b");
        var first = await ConvergeAsync(server, ["a", "b"], TimeSpan.FromSeconds(60));
        var overlaps = 0;
        var holder = LeaseHolder(server);
        var leader = holder == "replica-1" ? r1 : r2;
        var follower = leader == r1 ? r2 : r1;
        var followerPatchesBefore = leader == r1 ? 0 : 0;
        Checks.That(Leading(r1) + Leading(r2) == 1, $"leaders: replica-1 {Leading(r1)}, replica-2 {Leading(r2)}");
        var killClock = Stopwatch.StartNew();
        leader.Kill();
        TimeSpan? failover = null;
        while (killClock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (Leading(follower) == 1)
            {
                failover = killClock.Elapsed;
                break;
            }
            await Task.Delay(100);
        }
        await CreateProfilesAsync(server, "c");
        var second = await ConvergeAsync(server, ["a", "b", "c"], TimeSpan.FromSeconds(60));
        overlaps += Leading(r1) + Leading(r2) > 1 ? 1 : 0;
        Console.WriteLine($"  lease holder {holder}; first convergence {first?.TotalSeconds:F1}s; leader killed → the other led after {failover?.TotalSeconds:F1}s (lease duration 3s); new profile converged {second?.TotalSeconds:F1}s; overlapping leaders seen: {overlaps}");
        _ = followerPatchesBefore;
        Checks.That(failover is not null, "the follower never took over");
        Checks.That(second is not null, "no convergence after failover: " + Describe(server, ["a", "b", "c"]));
    }

    private static string?[] ProfileNames(TestApiServer server) =>
        server.Objects("flamewatch.io", "continuousprofiles").Select(p => (string?)p["metadata"]!["name"]).ToArray();

    private static int Leading(ChildProcess operatorProcess)
    {
        if (operatorProcess.HasExited)
        {
            return 0;
        }
        var lines = operatorProcess.Lines.ToArray();
        var became = Array.FindLastIndex(lines, l => l.Contains("Became the leader", StringComparison.Ordinal));
        var lost = Array.FindLastIndex(lines, l => l.Contains("Lost the leadership", StringComparison.Ordinal));
        return became > lost ? 1 : 0;
    }

    private static string? LeaseHolder(TestApiServer server) =>
        (string?)server.Objects("coordination.k8s.io", "leases").FirstOrDefault()?["spec"]?["holderIdentity"];

    /// <summary>
    /// The operator's reads and writes (list, watch, patch). The harness only creates (POST) and shares the
    /// operator's User-Agent, so creations are left alone.
    /// </summary>
    private static bool FromOperator(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Method != "POST" && request.Headers.UserAgent.ToString().StartsWith("flamewatch/", StringComparison.Ordinal);

    // The harness uses the same client library (and User-Agent) as the operator: its own calls are counted and subtracted.
    private static int _harnessRequests;

    /// <summary>The operator's API requests apart from Lease renewals (which leader election makes every RetryPeriod, 250 ms here).</summary>
    private static int OperatorRequests(TestApiServer server) =>
        server.Requests.Count(r => r.UserAgent.StartsWith("flamewatch/", StringComparison.Ordinal) && !r.PathAndQuery.Contains("/leases", StringComparison.Ordinal))
        - Volatile.Read(ref _harnessRequests);

    /// <summary>Creates each document, retrying injected failures as a user would; an object that already exists counts as created.</summary>
    private static async Task CreateAsync(TestApiServer server, string yaml)
    {
        foreach (var doc in yaml.Split("---\n", StringSplitOptions.RemoveEmptyEntries))
        {
            for (var attempt = 0; ; attempt++)
            {
                Interlocked.Increment(ref _harnessRequests);
                try
                {
                    await server.CreateFromYamlAsync(doc);
                    break;
                }
                catch (RawApiException e) when (e.Code == 409)
                {
                    break;
                }
                catch (RawApiException e) when (e.Code is 429 or >= 500 && attempt < 50)
                {
                    await Task.Delay(200);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && attempt < 50)
                {
                    await Task.Delay(200);
                }
            }
        }
    }

    private static async Task<TestApiServer> SetUpAsync()
    {
        var server = await TestApiServer.StartAsync();
        await server.CreateFromYamlAsync(await File.ReadAllTextAsync(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml")));
        await server.CreateFromYamlAsync($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {Namespace}}}\n");
        return server;
    }

    private static ChildProcess StartOperator(TestApiServer server, string identity) =>
        ChildProcess.Start("flamewatch-operator.dll",
            ["--urls", "http://127.0.0.1:0", "--lease-namespace", Namespace, "--identity", identity,
             "Operator:LeaseDuration=00:00:03", "Operator:RenewDeadline=00:00:02", "Operator:RetryPeriod=00:00:00.250"],
            new Dictionary<string, string> { ["KUBECONFIG"] = server.KubeconfigPath, ["Logging__LogLevel__Default"] = "Information", ["Logging__LogLevel__Microsoft"] = "Warning" });

    /// <summary>Pods i..i+n: app a, b, c in turn, every seventh matching none.</summary>
    private static async Task CreatePodsAsync(TestApiServer server, int from, int count)
    {
        var yaml = new StringBuilder();
        for (var i = from; i < from + count; i++)
        {
            yaml.Append($"apiVersion: v1\nkind: Pod\nmetadata: {{name: pod-{i}, namespace: {Namespace}, labels: {{app: {AppOf(i)}}}}}\nspec: {{containers: [{{name: c, image: example/app:1}}]}}\n---\n");
        }
        await CreateAsync(server, yaml.ToString());
    }

    private static string AppOf(int i) => i % 7 == 6 ? "none" : ((char)('a' + i % 3)).ToString();

    private static async Task CreateProfilesAsync(TestApiServer server, params string[] apps)
    {
        foreach (var app in apps)
        {
            await CreateAsync(server, $"apiVersion: flamewatch.io/v1alpha1\nkind: ContinuousProfile\nmetadata: {{name: p-{app}, namespace: {Namespace}}}\nspec: {{selector: {{matchLabels: {{app: {app}}}}}, period: 30s}}\n");
        }
    }

    /// <summary>Time until every pod carries exactly the expected managed-by annotation, or null.</summary>
    private static async Task<TimeSpan?> ConvergeAsync(TestApiServer server, string[] profiled, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Mismatches(server, profiled).Count == 0)
            {
                return clock.Elapsed;
            }
            await Task.Delay(100);
        }
        return null;
    }

    private static List<string> Mismatches(TestApiServer server, string[] profiled)
    {
        var wrong = new List<string>();
        foreach (var pod in server.Objects("", "pods"))
        {
            var name = (string)pod["metadata"]!["name"]!;
            var app = (string?)pod["metadata"]!["labels"]?["app"];
            var expected = app is not null && profiled.Contains(app) ? "p-" + app : null;
            var actual = (string?)pod["metadata"]!["annotations"]?[ManagedBy];
            var enabled = (string?)pod["metadata"]!["annotations"]?["flamewatch.io/enabled"];
            if (actual != expected || (expected is null ? enabled is not null : enabled != "true"))
            {
                wrong.Add($"{name}: {actual ?? "-"} (expected {expected ?? "-"})");
            }
        }
        return wrong;
    }

    private static string Describe(TestApiServer server, string[] profiled) => string.Join(", ", Mismatches(server, profiled).Take(8));
}

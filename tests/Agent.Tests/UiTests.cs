using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Flamewatch.Profiling.Export;
using Flamewatch.TestKit.Processes;
using Xunit.Abstractions;

namespace Flamewatch.Agent.Tests;

/// <summary>The web UI in real headless Chromium (Debian chromium + playwright-core) over stored profiles.</summary>
public sealed class UiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryViewWorksOverProfilesTheCollectorStored()
    {
        TestPaths.RequireNodeModule("playwright-core");
        Assert.True(File.Exists("/usr/bin/chromium"), "Chromium is missing; run 'make deps'.");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await using var agent = await TestAgent.StartAsync();
        const string application = "ui-views";

        // Phase 1: the hot loop only (HotA 70 %, HotB 30 %). Phase 2: the hot loop and, from 3 s on, EncodeLate: HotA's share falls.
        var phase1Start = await ProfilePhaseAsync(agent, application, ["hot"], "1", TimeSpan.FromSeconds(9), cts.Token);
        var phase1End = (await StoredRangeAsync(agent, application, cts.Token)).To;
        var phase2Start = await ProfilePhaseAsync(agent, application, ["hot", "late"], "2", TimeSpan.FromSeconds(12), cts.Token);
        var phase2End = (await StoredRangeAsync(agent, application, cts.Token)).To;
        var firstStored = (await StoredRangeAsync(agent, application, cts.Token)).From;
        output.WriteLine($"phase 1 {firstStored:O} .. {phase1End:O}, phase 2 {phase2Start:O} .. {phase2End:O}");
        Assert.True(phase1Start <= firstStored.AddSeconds(5) && phase1End < phase2Start, "the phases overlap");

        var shots = Directory.CreateDirectory(Path.Combine(TestPaths.Artifacts, "ui-views")).FullName;
        var url = new Uri(agent.BaseAddress, $"/?application={application}&type=cpu-time/nanoseconds&range=all");
        var inset = TimeSpan.FromMilliseconds(300);
        var (exitCode, result) = await TestPaths.RunNodeAsync("ui-views-check.js", new Dictionary<string, string>(), cts.Token, url.ToString(),
            Ms(firstStored + inset), Ms(phase1End - inset), Ms(phase2Start + inset), Ms(phase2End - inset), shots);
        Assert.True(exitCode == 0, result);
        var seen = JsonDocument.Parse(result.Split('\n').First(l => l.StartsWith('{'))).RootElement;
        foreach (var screenshot in seen.GetProperty("screenshots").EnumerateArray())
        {
            output.WriteLine($"screenshot: {screenshot.GetString()}");
        }
        Assert.Empty(seen.GetProperty("errors").EnumerateArray());

        // Everything stored shows both phases; the timeline draws them.
        Assert.Contains(Frames(seen.GetProperty("all")), f => f!.EndsWith(".EncodeLate", StringComparison.Ordinal));
        Assert.True(seen.GetProperty("all").GetProperty("bands").GetInt32() >= 1);

        // Dragging over phase 1 selects it: the flame graph holds HotA but not the second phase's EncodeLate, and the URL keeps the range.
        var selected = seen.GetProperty("selected");
        Assert.Contains(Frames(selected), f => f!.EndsWith(".HotA", StringComparison.Ordinal));
        Assert.DoesNotContain(Frames(selected), f => f!.EndsWith(".EncodeLate", StringComparison.Ordinal));
        Assert.Contains("from=", selected.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.True(Profiles(selected) < Profiles(seen.GetProperty("all")), "the selection merged as many profiles as everything");

        // Sorted by self, HotA (70 % of the hot loop's samples) comes first.
        Assert.EndsWith(".HotA", seen.GetProperty("sortedBySelfValues")[0].GetString(), StringComparison.Ordinal);

        // The search filters the table and highlights exactly the matching frames.
        var search = seen.GetProperty("search");
        Assert.All(search.GetProperty("rows").EnumerateArray(), r => Assert.Contains("HotB", r.GetString(), StringComparison.Ordinal));
        Assert.NotEmpty(search.GetProperty("highlighted").EnumerateArray());
        Assert.All(search.GetProperty("highlighted").EnumerateArray(), r => Assert.Contains("HotB", r.GetString(), StringComparison.Ordinal));
        Assert.Contains("q=HotB", search.GetProperty("url").GetString(), StringComparison.Ordinal);

        // Clicking a row zooms the flame graph to the function.
        var focus = seen.GetProperty("focus");
        Assert.InRange(focus.GetProperty("zoomedWidth").GetDouble(), focus.GetProperty("chartWidth").GetDouble() * 0.95, focus.GetProperty("chartWidth").GetDouble() * 1.01);

        // The sandwich of HotA: its caller (the hot loop) above, HotA at the root of its callees.
        var sandwich = seen.GetProperty("sandwich");
        Assert.Contains(Frames(sandwich, "callers"), f => f!.EndsWith(".RunHotLoop", StringComparison.Ordinal));
        Assert.EndsWith(".HotA", sandwich.GetProperty("callees")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("view=sandwich", sandwich.GetProperty("url").GetString(), StringComparison.Ordinal);

        // The diff of phase 1 against phase 2: EncodeLate's share grew (red), HotA's shrank (blue); the table shows the change.
        var diff = seen.GetProperty("diff");
        var fills = diff.GetProperty("fills").EnumerateArray().ToList();
        var late = fills.Where(f => f.GetProperty("name").GetString()!.EndsWith(".EncodeLate", StringComparison.Ordinal)).MaxBy(f => f.GetProperty("width").GetDouble());
        var hot = fills.Where(f => f.GetProperty("name").GetString()!.EndsWith(".HotA", StringComparison.Ordinal)).MaxBy(f => f.GetProperty("width").GetDouble());
        Assert.True(late.ValueKind == JsonValueKind.Object && hot.ValueKind == JsonValueKind.Object, diff.ToString());
        Assert.True(late.GetProperty("change").GetDouble() > 0, late.ToString());
        Assert.True(IsRed(late.GetProperty("fill").GetString()!), late.ToString());
        Assert.True(hot.GetProperty("change").GetDouble() < 0, hot.ToString());
        Assert.True(IsBlue(hot.GetProperty("fill").GetString()!), hot.ToString());
        var lateRow = diff.GetProperty("table").EnumerateArray().First(r => r.GetProperty("name").GetString()!.EndsWith(".EncodeLate", StringComparison.Ordinal));
        Assert.Contains("up", lateRow.GetProperty("change").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Frames(diff, "baseline"), f => f!.EndsWith(".EncodeLate", StringComparison.Ordinal));
        Assert.Contains(Frames(diff, "comparison"), f => f!.EndsWith(".EncodeLate", StringComparison.Ordinal));

        // The label explorer lists both versions; clicking one filters; Back removes the filter again.
        Assert.Equal(["1", "2"], seen.GetProperty("explorer").GetProperty("values").EnumerateArray().Select(v => v.GetString()!).Order().ToArray());
        Assert.Contains("version = 2", seen.GetProperty("filtered").GetProperty("filters").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("version = 2", seen.GetProperty("back").GetProperty("filters").GetString(), StringComparison.Ordinal);

        // Two label selections compared: version=1 against version=2 over everything stored, coloured as the two phases were.
        var labelDiff = seen.GetProperty("labelDiff");
        Assert.Contains("filter=version%3D1", labelDiff.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Contains("cfilter=version%3D2", labelDiff.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Frames(labelDiff, "baseline"), f => f!.EndsWith(".EncodeLate", StringComparison.Ordinal));
        Assert.Contains(Frames(labelDiff, "comparison"), f => f!.EndsWith(".EncodeLate", StringComparison.Ordinal));
        var labelFills = labelDiff.GetProperty("fills").EnumerateArray().ToList();
        var lateByLabel = labelFills.Where(f => f.GetProperty("name").GetString()!.EndsWith(".EncodeLate", StringComparison.Ordinal)).MaxBy(f => f.GetProperty("width").GetDouble());
        var hotByLabel = labelFills.Where(f => f.GetProperty("name").GetString()!.EndsWith(".HotA", StringComparison.Ordinal)).MaxBy(f => f.GetProperty("width").GetDouble());
        Assert.True(lateByLabel.ValueKind == JsonValueKind.Object && hotByLabel.ValueKind == JsonValueKind.Object, labelDiff.ToString());
        Assert.True(IsRed(lateByLabel.GetProperty("fill").GetString()!), lateByLabel.ToString());
        Assert.True(IsBlue(hotByLabel.GetProperty("fill").GetString()!), hotByLabel.ToString());

        // An unknown application in the link: the agent's 404 message, no view of another application, a way to the first one.
        var unknown = seen.GetProperty("unknownApp");
        Assert.Contains("(404)", unknown.GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Contains("no profiles of application 'no-such-app' are stored", unknown.GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Equal("error", unknown.GetProperty("statusClass").GetString());
        Assert.Equal("no-such-app", unknown.GetProperty("application").GetString());
        Assert.Contains("application=no-such-app", unknown.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.True(unknown.GetProperty("hidden").GetBoolean());
        Assert.Equal(0, unknown.GetProperty("frames").GetInt32());
        Assert.Equal($"Show {application}", unknown.GetProperty("button").GetString());
        Assert.All(seen.GetProperty("screenshots").EnumerateArray(), s => Assert.True(new FileInfo(s.GetString()!).Length > 5_000));
    }

    private static string Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int Profiles(JsonElement view) => int.Parse(
        System.Text.RegularExpressions.Regex.Match(view.GetProperty("status").GetString()!, @"(\d+) profile\(s\) merged").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static HashSet<string?> Frames(JsonElement view, string chart) => view.GetProperty(chart).EnumerateArray().Select(f => f.GetString()).ToHashSet();

    private static (int R, int G, int B) Rgb(string fill)
    {
        var parts = fill.Replace("rgb(", "", StringComparison.Ordinal).TrimEnd(')').Split(',').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (parts[0], parts[1], parts[2]);
    }

    private static bool IsRed(string fill) => Rgb(fill) is var c && c.R > c.B + 40;

    private static bool IsBlue(string fill) => Rgb(fill) is var c && c.B > c.R + 40;

    /// <summary>
    /// Runs the target app with <paramref name="scenarios"/> under <c>flamewatch-collector profile</c> (2 s periods, label
    /// version=<paramref name="version"/>) uploading to the agent for <paramref name="duration"/>; returns when profiling began.
    /// </summary>
    private static async Task<DateTimeOffset> ProfilePhaseAsync(TestAgent agent, string application, string[] scenarios, string version, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var target = ChildProcess.Start("Flamewatch.TestKit.TargetApp.dll", scenarios, new Dictionary<string, string> { ["DOTNET_EventPipeThreadSamplingRate"] = "A" });
        await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(60), cancellationToken);
        var before = await ProfileCountAsync(agent, application, cancellationToken);
        using var collector = ChildProcess.Start("flamewatch-collector.dll", ["profile", "--pid", target.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--agent", agent.BaseAddress.ToString().TrimEnd('/'), "--period", "2s", "--upload-timeout", "1s", "--application-name", application, "--label", "version=" + version]);
        await collector.WaitForLineAsync("Profiling process", TimeSpan.FromSeconds(60), cancellationToken);
        var began = DateTimeOffset.UtcNow;
        await Task.Delay(duration, cancellationToken);
        // Stop after the next stored profile, so no upload is in flight when the phase ends.
        var stored = await ProfileCountAsync(agent, application, cancellationToken);
        while (await ProfileCountAsync(agent, application, cancellationToken) == stored)
        {
            await Task.Delay(100, cancellationToken);
        }
        Assert.True(stored - before >= 2, $"phase {version}: {stored - before} profiles stored\n{string.Join('\n', collector.Lines.TakeLast(20))}");
        return began;
    }

    private static async Task<int> ProfileCountAsync(TestAgent agent, string application, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await agent.Client.GetStringAsync("api/applications", cancellationToken));
        return document.RootElement.EnumerateArray().Where(a => a.GetProperty("name").GetString() == application).Select(a => a.GetProperty("profiles").GetInt32()).FirstOrDefault();
    }

    private static async Task<(DateTimeOffset From, DateTimeOffset To)> StoredRangeAsync(TestAgent agent, string application, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await agent.Client.GetStringAsync("api/applications", cancellationToken));
        var app = document.RootElement.EnumerateArray().Single(a => a.GetProperty("name").GetString() == application);
        return (app.GetProperty("from").GetDateTimeOffset(), app.GetProperty("to").GetDateTimeOffset());
    }

    [Fact]
    public async Task FlameGraphShowsStoredFramesHoverShowsTotalAndSelfAndClickZooms()
    {
        TestPaths.RequireNodeModule("playwright-core");
        Assert.True(File.Exists("/usr/bin/chromium"), "Chromium is missing; run 'make deps'.");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var agent = await TestAgent.StartAsync();
        using var exporter = new DatadogAgentExporter(agent.BaseAddress.ToString(), TimeSpan.FromSeconds(10));
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        foreach (var pod in new[] { "web-1", "web-2" })
        {
            // cpu-time values in ns: Busy.Compute 60 ms + Parse.Json 20 ms under Api.Handle, Io.Wait 20 ms.
            await exporter.ExportAsync(Uploads.CollectorUpload("ui-demo", new Dictionary<string, string> { ["pod_name"] = pod }, start,
                (["Program.Main", "Api.Handle", "Busy.Compute"], [60_000_000, 60_000_000, 0, 0, 0]),
                (["Program.Main", "Api.Handle", "Parse.Json"], [20_000_000, 20_000_000, 0, 0, 0]),
                (["Program.Main", "Io.Wait"], [20_000_000, 90_000_000, 0, 0, 0])), cts.Token);
        }

        var screenshot = Path.Combine(TestPaths.Artifacts, "flamegraph.png");
        File.Delete(screenshot);
        var url = new Uri(agent.BaseAddress, "/?application=ui-demo&type=cpu-time/nanoseconds");
        var (exitCode, output) = await TestPaths.RunNodeAsync("ui-check.js", new Dictionary<string, string>(), cts.Token,
            url.ToString(), "Api.Handle", "Api.Handle", screenshot);
        Assert.True(exitCode == 0, output);
        var seen = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('{'))).RootElement;

        Assert.Empty(seen.GetProperty("errors").EnumerateArray());
        var frames = seen.GetProperty("frames").EnumerateArray().Select(f => f.GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "root", "Program.Main", "Api.Handle", "Busy.Compute", "Parse.Json", "Io.Wait" }, frames);
        Assert.Contains("2 profile(s) merged", seen.GetProperty("status").GetString(), StringComparison.Ordinal);
        // Two pods: Api.Handle totals 2 x 80 ms = 160 ms, none of it in Api.Handle itself.
        var details = seen.GetProperty("details").GetString()!;
        Assert.Contains("Api.Handle", details, StringComparison.Ordinal);
        Assert.Contains("total 160 ms", details, StringComparison.Ordinal);
        Assert.Contains("self 0 ns", details, StringComparison.Ordinal);
        // Clicking zooms: the clicked frame then spans the whole chart.
        Assert.InRange(seen.GetProperty("zoomedWidth").GetDouble(), seen.GetProperty("chartWidth").GetDouble() * 0.95, seen.GetProperty("chartWidth").GetDouble() * 1.01);
        Assert.True(new FileInfo(screenshot).Length > 5_000, "no screenshot");
    }

    [Fact]
    public async Task WithAReadTokenThePageAsksForItRefusesAWrongOneAndShowsTheFlameGraphUntilSignOut()
    {
        TestPaths.RequireNodeModule("playwright-core");
        Assert.True(File.Exists("/usr/bin/chromium"), "Chromium is missing; run 'make deps'.");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        const string readToken = "ui-read-5c1f0e9a";
        await using var agent = await TestAgent.StartAsync("--read-token", readToken);

        // A real profile: this test process, profiled by the in-process Profiler while it counts primes, stored by the agent.
        var application = "ui-signed-" + Guid.NewGuid().ToString("N")[..8];
        await using (var profiler = new Profiler(applicationName: application, period: TimeSpan.FromSeconds(30), uploadTimeout: TimeSpan.FromSeconds(10),
            agentAddress: agent.BaseAddress.ToString().TrimEnd('/')))
        {
            await profiler.StartAsync(cts.Token);
            CountPrimesFor(TimeSpan.FromSeconds(2));
            await profiler.StopAsync(cts.Token);
            Assert.True(profiler.Statistics.UploadsSucceeded == 1, $"the profile was not stored: {profiler.Statistics}");
        }
        var busy = $"{typeof(UiTests).FullName}.{nameof(CountPrimesFor)}";

        var url = new Uri(agent.BaseAddress, $"/?application={application}&type=cpu-time/nanoseconds");
        var screenshot = Path.Combine(TestPaths.Artifacts, "sign-in-refused.png");
        var (exitCode, output) = await TestPaths.RunNodeAsync("ui-sign-in-check.js", new Dictionary<string, string> { ["UI_TOKEN"] = readToken }, cts.Token,
            url.ToString(), "wrong-" + readToken, screenshot);
        Assert.True(exitCode == 0, output);
        var seen = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('{'))).RootElement;
        Assert.Empty(seen.GetProperty("errors").EnumerateArray());

        // Opened without a token: the form, nothing else.
        var prompt = seen.GetProperty("prompt");
        Assert.Contains("read token", prompt.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(prompt.GetProperty("controlsHidden").GetBoolean());
        Assert.Equal(0, prompt.GetProperty("frames").GetInt32());

        // A wrong token is refused, says so, and is not kept.
        var wrong = seen.GetProperty("wrong");
        Assert.Contains("Wrong token", wrong.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(wrong.GetProperty("signInVisible").GetBoolean());
        Assert.Equal(JsonValueKind.Null, wrong.GetProperty("stored").ValueKind);
        Assert.Equal(0, wrong.GetProperty("frames").GetInt32());

        // The right token shows the stored profile's frames; the form goes and sign-out appears.
        var signedIn = seen.GetProperty("signedIn");
        Assert.Contains(busy, Frames(signedIn));
        Assert.Contains("1 profile(s) merged", signedIn.GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.False(signedIn.GetProperty("signInVisible").GetBoolean());
        Assert.True(signedIn.GetProperty("signOutVisible").GetBoolean());
        Assert.Equal("", signedIn.GetProperty("tokenFieldValue").GetString());
        Assert.True(signedIn.GetProperty("storedMatches").GetBoolean());

        // A reload keeps the session.
        var reloaded = seen.GetProperty("reloaded");
        Assert.Contains(busy, Frames(reloaded));
        Assert.False(reloaded.GetProperty("signInVisible").GetBoolean());

        // Sign-out forgets the token and the profile data, also across a reload.
        var signedOut = seen.GetProperty("signedOut");
        Assert.Equal("Signed out.", signedOut.GetProperty("info").GetString());
        Assert.Equal(0, signedOut.GetProperty("frames").GetInt32());
        Assert.Equal(JsonValueKind.Null, signedOut.GetProperty("stored").ValueKind);
        Assert.False(signedOut.GetProperty("signOutVisible").GetBoolean());
        Assert.True(signedOut.GetProperty("controlsHidden").GetBoolean());
        Assert.True(seen.GetProperty("reloadedAfterSignOut").GetProperty("signInVisible").GetBoolean());
        Assert.Equal(0, seen.GetProperty("reloadedAfterSignOut").GetProperty("frames").GetInt32());

        // Tokens travel in the Authorization header only, never in a URL; every flame graph was fetched with the token.
        var requests = seen.GetProperty("requests").EnumerateArray().Select(r => (
            Url: r.GetProperty("url").GetString()!, Authorization: r.GetProperty("authorization").GetString())).ToList();
        Assert.DoesNotContain(requests, r => r.Url.Contains(readToken, StringComparison.Ordinal));
        var flameGraphs = requests.Where(r => new Uri(r.Url).AbsolutePath == "/api/flamegraph").ToList();
        Assert.True(flameGraphs.Count >= 2, $"{flameGraphs.Count} flame graph requests");
        Assert.All(flameGraphs, r => Assert.Equal("Bearer " + readToken, r.Authorization));
        Assert.Contains(requests, r => new Uri(r.Url).AbsolutePath == "/api/applications" && r.Authorization == "Bearer wrong-" + readToken);
    }

    private static HashSet<string?> Frames(JsonElement view) => view.GetProperty("frames").EnumerateArray().Select(f => f.GetString()).ToHashSet();

    /// <summary>Keeps this thread busy in managed code for <paramref name="duration"/>: the frame the flame graph must show.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CountPrimesFor(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var primes = 0;
        for (var candidate = 3; clock.Elapsed < duration; candidate += 2)
        {
            var prime = true;
            for (var divisor = 3; divisor * divisor <= candidate && prime; divisor += 2)
            {
                prime = candidate % divisor != 0;
            }
            primes += prime ? 1 : 0;
        }
        return primes;
    }
}

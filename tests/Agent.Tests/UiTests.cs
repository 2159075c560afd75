using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Flamewatch.Profiling.Export;

namespace Flamewatch.Agent.Tests;

/// <summary>The web UI in real headless Chromium (Debian chromium + playwright-core) over stored profiles.</summary>
public sealed class UiTests
{
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

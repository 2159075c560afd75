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
        Assert.Contains("total 160.0 ms", details, StringComparison.Ordinal);
        Assert.Contains("self 0 ns", details, StringComparison.Ordinal);
        // Clicking zooms: the clicked frame then spans the whole chart.
        Assert.InRange(seen.GetProperty("zoomedWidth").GetDouble(), seen.GetProperty("chartWidth").GetDouble() * 0.95, seen.GetProperty("chartWidth").GetDouble() * 1.01);
        Assert.True(new FileInfo(screenshot).Length > 5_000, "no screenshot");
    }
}

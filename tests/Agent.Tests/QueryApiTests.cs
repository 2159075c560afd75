using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flamewatch.Profiling.Export;

namespace Flamewatch.Agent.Tests;

/// <summary>The query API behind the UI: gauges averaged, timeline, label totals, diff, sandwich, and its 4xx answers.</summary>
public sealed class QueryApiTests
{
    private const long Mb = 1024 * 1024;

    /// <summary>Three consecutive 45 s periods of two pods, 10:00:00 to 10:02:15.</summary>
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static string Range => $"from={T0.AddHours(-2).ToUnixTimeSeconds()}&to={T0.AddHours(2).ToUnixTimeSeconds()}";

    [Fact]
    public async Task A_gauge_over_a_range_is_its_average_over_time_and_pods_add_up_while_counters_are_summed()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        await StoreAsync(agent, "heap", cts.Token);

        // Each period web-1 holds 100 MB live and web-2 50 MB: over the three periods the heap is 150 MB, not 450 MB.
        var heap = await JsonAsync(agent, $"/api/flamegraph?application=heap&type=inuse-space/bytes&{Range}", cts.Token);
        Assert.True(heap.GetProperty("gauge").GetBoolean());
        Assert.Equal(150 * Mb, heap.GetProperty("root").GetProperty("value").GetInt64());
        Assert.Equal(6, heap.GetProperty("profiles").GetInt32());
        var onePod = await JsonAsync(agent, $"/api/flamegraph?application=heap&type=inuse-space/bytes&pod_name=web-1&{Range}", cts.Token);
        Assert.Equal(100 * Mb, onePod.GetProperty("root").GetProperty("value").GetInt64());

        // CPU is a counter: 3 periods x (10 + 20) ms.
        var cpu = await JsonAsync(agent, $"/api/flamegraph?application=heap&type=cpu-time/nanoseconds&{Range}", cts.Token);
        Assert.False(cpu.GetProperty("gauge").GetBoolean());
        Assert.Equal(90_000_000, cpu.GetProperty("root").GetProperty("value").GetInt64());

        // The pprof carries the same average, and its time and duration are those of the profiles, not of the 4 h queried.
        var pprof = Pprofs.Read(await agent.Client.GetByteArrayAsync($"/api/profile?application=heap&type=inuse-space/bytes&{Range}", cts.Token));
        Assert.Equal(150 * Mb, pprof.Sample.Sum(s => s.Value[0]));
        Assert.Equal(T0.ToUnixTimeMilliseconds() * 1_000_000, pprof.TimeNanos);
        Assert.Equal(TimeSpan.FromSeconds(135).Ticks * 100, pprof.DurationNanos);

        // A half-covered gauge period still averages over the time covered: a range holding only the first period gives 150 MB too.
        var first = await JsonAsync(agent, $"/api/flamegraph?application=heap&type=inuse-space/bytes&from={T0.ToUnixTimeSeconds()}&to={T0.AddSeconds(30).ToUnixTimeSeconds()}", cts.Token);
        Assert.Equal(150 * Mb, first.GetProperty("root").GetProperty("value").GetInt64());
        Assert.Equal(2, first.GetProperty("profiles").GetInt32());
    }

    [Fact]
    public async Task Timeline_gives_per_period_totals_and_one_series_per_label_value()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        await StoreAsync(agent, "tl", cts.Token);
        var window = $"from={T0.ToUnixTimeSeconds()}&to={T0.AddSeconds(135).ToUnixTimeSeconds()}";

        var cpu = await JsonAsync(agent, $"/api/timeline?application=tl&type=cpu-time/nanoseconds&step=45&{window}", cts.Token);
        Assert.Equal(45, cpu.GetProperty("step").GetDouble());
        Assert.Equal(90_000_000, cpu.GetProperty("total").GetInt64());
        var total = Assert.Single(cpu.GetProperty("series").EnumerateArray());
        Assert.Equal([30_000_000L, 30_000_000L, 30_000_000L], total.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).ToArray());

        var heapByPod = await JsonAsync(agent, $"/api/timeline?application=tl&type=inuse-space/bytes&step=45&by=pod_name&{window}", cts.Token);
        Assert.True(heapByPod.GetProperty("gauge").GetBoolean());
        var series = heapByPod.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("value").GetString()!);
        Assert.Equal([100 * Mb, 100 * Mb, 100 * Mb], series["web-1"].GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).ToArray());
        Assert.Equal(50 * Mb, series["web-2"].GetProperty("total").GetInt64());
        Assert.Equal(150 * Mb, heapByPod.GetProperty("total").GetInt64());

        // The label explorer: every value with its total, largest first.
        var labels = await JsonAsync(agent, $"/api/labels?application=tl&type=cpu-time/nanoseconds&key=pod_name&{Range}", cts.Token);
        Assert.Equal(new[] { "web-2", "web-1" }, labels.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("value").GetString()!).ToArray());
        Assert.Equal(60_000_000, labels.GetProperty("values")[0].GetProperty("total").GetInt64());
        Assert.Equal(3, labels.GetProperty("values")[0].GetProperty("profiles").GetInt32());
    }

    [Fact]
    public async Task A_database_without_series_or_per_profile_totals_gets_them_at_startup_and_answers_the_same()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Retention runs at startup: keep the fixed-date profiles however old they are by now.
        await using var agent = await TestAgent.StartAsync("--retention", "3650.00:00:00");
        await StoreAsync(agent, "old", cts.Token);
        string[] paths =
        [
            $"/api/timeline?application=old&type=cpu-time/nanoseconds&step=45&by=pod_name&{Range}",
            $"/api/timeline?application=old&type=inuse-space/bytes&step=45&pod_name=web-2&{Range}",
            $"/api/labels?application=old&type=cpu-time/nanoseconds&key=pod_name&{Range}",
            $"/api/flamegraph?application=old&type=inuse-space/bytes&pod_name=web-1&{Range}",
        ];
        var before = new List<string>();
        foreach (var path in paths)
        {
            before.Add((await JsonAsync(agent, path, cts.Token)).GetRawText());
        }

        // The form an earlier version wrote: totals without periods or series (one of them missing), no series table.
        await agent.RestartAsync(() =>
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(agent.DataDir, "profiles.db")};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE earlier(profile INTEGER NOT NULL, type INTEGER NOT NULL, total INTEGER NOT NULL, PRIMARY KEY(profile, type)) WITHOUT ROWID;
                INSERT INTO earlier SELECT profile, type, total FROM sample_totals;
                DELETE FROM earlier WHERE profile = (SELECT min(profile) FROM earlier);
                DROP TABLE sample_totals; DROP TABLE series; ALTER TABLE earlier RENAME TO sample_totals;
                """;
            command.ExecuteNonQuery();
        });

        for (var i = 0; i < paths.Length; i++)
        {
            Assert.Equal(before[i], (await JsonAsync(agent, paths[i], cts.Token)).GetRawText());
        }
    }

    [Fact]
    public async Task Diff_gives_both_values_of_every_frame_and_function_and_sandwich_gives_callers_and_callees()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        using var exporter = new DatadogAgentExporter(agent.BaseAddress.ToString(), TimeSpan.FromSeconds(10));
        var pod = new Dictionary<string, string> { ["pod_name"] = "a" };
        // Before: Parse 60 %, Render 40 %. After: Parse 20 %, Render 80 %. Both call Shared.Helper.
        await exporter.ExportAsync(Uploads.CollectorUpload("cmp", pod, T0,
            (["Main", "Parse", "Shared.Helper"], [60, 0, 0, 0, 0]), (["Main", "Render", "Shared.Helper", "Leaf"], [40, 0, 0, 0, 0])), cts.Token);
        await exporter.ExportAsync(Uploads.CollectorUpload("cmp", pod, T0.AddMinutes(10),
            (["Main", "Parse", "Shared.Helper"], [20, 0, 0, 0, 0]), (["Main", "Render", "Shared.Helper", "Leaf"], [80, 0, 0, 0, 0])), cts.Token);
        var before = $"from={T0.ToUnixTimeSeconds()}&to={T0.AddMinutes(1).ToUnixTimeSeconds()}";
        var after = $"compare.from={T0.AddMinutes(10).ToUnixTimeSeconds()}&compare.to={T0.AddMinutes(11).ToUnixTimeSeconds()}";

        var diff = await JsonAsync(agent, $"/api/diff?application=cmp&type=cpu-time/nanoseconds&{before}&{after}&minFraction=0", cts.Token);
        Assert.Equal(100, diff.GetProperty("baseline").GetProperty("total").GetInt64());
        Assert.Equal(100, diff.GetProperty("comparison").GetProperty("total").GetInt64());
        var main = diff.GetProperty("root").GetProperty("children")[0];
        var parse = main.GetProperty("children").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Parse");
        Assert.Equal((60, 20), (parse.GetProperty("baseline").GetInt64(), parse.GetProperty("comparison").GetInt64()));
        var render = diff.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "Render");
        Assert.Equal(40, render.GetProperty("baseline").GetProperty("total").GetInt64());
        Assert.Equal(80, render.GetProperty("comparison").GetProperty("total").GetInt64());

        // A comparison by label: compare.pod_name selects other profiles than the baseline's pod_name.
        using var unknownPod = await agent.Client.GetAsync($"/api/diff?application=cmp&type=cpu-time/nanoseconds&{Range}&pod_name=a&compare.pod_name=zzz", cts.Token);
        Assert.Equal(0, (await unknownPod.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("comparison").GetProperty("profiles").GetInt32());

        var sandwich = await JsonAsync(agent, $"/api/sandwich?application=cmp&type=cpu-time/nanoseconds&{Range}&function=Shared.Helper&minFraction=0", cts.Token);
        Assert.Equal(200, sandwich.GetProperty("callers").GetProperty("value").GetInt64());
        Assert.Equal(new[] { "Render", "Parse" }, sandwich.GetProperty("callers").GetProperty("children").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray());
        Assert.Equal("Main", sandwich.GetProperty("callers").GetProperty("children")[0].GetProperty("children")[0].GetProperty("name").GetString());
        var callees = sandwich.GetProperty("callees");
        Assert.Equal(80, callees.GetProperty("self").GetInt64());
        Assert.Equal(("Leaf", 120L), (callees.GetProperty("children")[0].GetProperty("name").GetString(), callees.GetProperty("children")[0].GetProperty("value").GetInt64()));

        // The function table: self and total, recursion-free.
        var graph = await JsonAsync(agent, $"/api/flamegraph?application=cmp&type=cpu-time/nanoseconds&{Range}", cts.Token);
        var helper = graph.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "Shared.Helper");
        Assert.Equal((80, 200), (helper.GetProperty("self").GetInt64(), helper.GetProperty("total").GetInt64()));
        Assert.Equal("Main", graph.GetProperty("functions")[0].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("/api/flamegraph?application=nope", 404, "no profiles of application 'nope'")]
    [InlineData("/api/flamegraph?application=bad&type=lock-time/nanoseconds", 404, "no profiles of type 'lock-time/nanoseconds'")]
    [InlineData("/api/flamegraph?application=bad&region=eu", 404, "has no label 'region'")]
    [InlineData("/api/timeline?application=bad&by=region", 404, "has no label 'region'")]
    [InlineData("/api/flamegraph?application=bad&from=0&to=86400000", 400, "more than the 31 a query may span")]
    [InlineData("/api/flamegraph?application=bad&from=20&to=10", 400, "'from' must be before 'to'")]
    [InlineData("/api/timeline?application=bad&step=0", 400, "'step' must be seconds")]
    [InlineData("/api/timeline?application=bad&step=1&from=0&to=86400", 400, "choose a larger step")]
    [InlineData("/api/labels?application=bad", 400, "'key' parameter")]
    [InlineData("/api/sandwich?application=bad", 400, "'function' parameter")]
    [InlineData("/api/sandwich?application=bad&pod_name=web-1&function=Nowhere", 404, "function 'Nowhere' is not in the profiles")]
    [InlineData("/api/diff?application=bad&compare.from=yesterday", 400, "'compare.from' must be unix seconds")]
    [InlineData("/api/flamegraph?application=bad&type=inuse-space/bytes", 413, "the selection holds 6 profiles, more than the 5 this agent merges")]
    public async Task Bad_queries_get_a_4xx_with_a_message(string path, int status, string message)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--max-query-profiles", "5");
        await StoreAsync(agent, "bad", cts.Token);
        var fullPath = path.Contains("from=", StringComparison.Ordinal) ? path : path + "&" + Range;
        using var response = await agent.Client.GetAsync(fullPath, cts.Token);
        Assert.Equal(status, (int)response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("error").GetString();
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_read_token_every_query_needs_it()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--read-token", "reader-7f3a");
        await StoreAsync(agent, "guarded", cts.Token);
        foreach (var path in new[] { "timeline", "labels?key=pod_name", "diff", "sandwich?function=Main" })
        {
            var url = $"/api/{path}{(path.Contains('?') ? "&" : "?")}application=guarded&{Range}";
            using var refused = await agent.Client.GetAsync(url, cts.Token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Authorization", "Bearer reader-7f3a" } } };
            using var allowed = await agent.Client.SendAsync(request, cts.Token);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
    }

    /// <summary>Three periods from <see cref="T0"/> of pods web-1 (CPU 10 ms, 100 MB live) and web-2 (CPU 20 ms, 50 MB live).</summary>
    private static async Task StoreAsync(TestAgent agent, string application, CancellationToken cancellationToken)
    {
        using var exporter = new DatadogAgentExporter(agent.BaseAddress.ToString(), TimeSpan.FromSeconds(10));
        for (var period = 0; period < 3; period++)
        {
            foreach (var (pod, cpu, live) in new[] { ("web-1", 10_000_000L, 100 * Mb), ("web-2", 20_000_000L, 50 * Mb) })
            {
                await exporter.ExportAsync(Uploads.CollectorUpload(application, new Dictionary<string, string> { ["pod_name"] = pod }, T0.AddSeconds(45 * period),
                    (["Main", "Cache.Fill"], [cpu, cpu, 1, live, live])), cancellationToken);
            }
        }
    }

    private static async Task<JsonElement> JsonAsync(TestAgent agent, string path, CancellationToken cancellationToken)
    {
        using var response = await agent.Client.GetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

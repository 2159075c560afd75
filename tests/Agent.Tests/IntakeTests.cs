using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Google.Protobuf;

namespace Flamewatch.Agent.Tests;

public sealed class IntakeTests
{
    private const string Boundary = "6e0336ca32d6cdce";
    private static readonly string[] Wall = ["sample/count", "wall/nanoseconds"];

    private static byte[] WallPprof(string leaf, long value) =>
        Pprofs.Gzip(Pprofs.Create(Wall, (["main", "Worker.Run", leaf], [1, value])));

    /// <summary>Uploads one wall profile (stack main;Worker.Run;leaf) and expects it to be accepted.</summary>
    private static async Task UploadWallAsync(TestAgent agent, string service, string leaf, long value, CancellationToken cancellationToken,
        string extraTags = "", DateTimeOffset? start = null)
    {
        var body = Uploads.Body(Boundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event(service, ["wall.pprof"], extraTags, start))),
            ("wall.pprof", "application/octet-stream", WallPprof(leaf, value)));
        using var response = await Uploads.PostAsync(agent.Client, Boundary, body, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AttachmentsInAnyOrderChunkedAndUncompressedAreStoredAndMerged()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var raw = Pprofs.Create(["cpu/nanoseconds"], (["main", "Hot.Path"], [7_000_000]));
        // Attachments before the event, one gzip and one raw pprof, sent chunked without Content-Length.
        var body = Uploads.Body(Boundary,
            ("wall.pprof", "application/octet-stream", WallPprof("Slow.Io", 5_000_000)),
            ("cpu.pprof", "application/octet-stream", raw.ToByteArray()),
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event("shop", ["cpu.pprof", "wall.pprof"], ",pod_name:shop-1,kube_namespace:prod"))));
        using var response = await Uploads.PostChunkedAsync(agent.Client, "/profiling/v1/input", body, $"multipart/form-data; boundary={Boundary}", cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cts.Token);
        var shop = Assert.Single(apps.EnumerateArray());
        Assert.Equal("shop", shop.GetProperty("name").GetString());
        Assert.Equal(["cpu/nanoseconds", "sample/count", "wall/nanoseconds"], shop.GetProperty("profileTypes").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal("shop-1", shop.GetProperty("labels").GetProperty("pod_name")[0].GetString());

        var wall = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=shop&type=wall/nanoseconds", cts.Token));
        Assert.Equal(["wall/nanoseconds"], Pprofs.TypeNames(wall));
        Assert.Equal(5_000_000, Pprofs.Stacks(wall)["main;Worker.Run;Slow.Io"]);
        var cpu = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=shop&type=cpu/nanoseconds", cts.Token));
        Assert.Equal(7_000_000, Pprofs.Stacks(cpu)["main;Hot.Path"]);
    }

    [Fact]
    public async Task ProfilesOfOneApplicationAreMergedAndFilteredByLabelsAndTime()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var now = DateTimeOffset.UtcNow;
        Task Send(string pod, string leaf, long value, DateTimeOffset start) => UploadWallAsync(agent, "api", leaf, value, cts.Token, $",pod_name:{pod}", start);
        await Send("a", "A.Work", 100, now.AddMinutes(-10));
        await Send("a", "A.Work", 50, now.AddMinutes(-5));
        await Send("b", "B.Work", 30, now.AddMinutes(-5));
        await Send("b", "B.Work", 1000, now.AddHours(-3));

        var all = Pprofs.Stacks(Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=api&type=wall/nanoseconds", cts.Token)));
        Assert.Equal(150, all["main;Worker.Run;A.Work"]);
        Assert.Equal(30, all["main;Worker.Run;B.Work"]); // the 3 h old profile is outside the default last hour

        var podA = Pprofs.Stacks(Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=api&type=wall/nanoseconds&pod_name=a", cts.Token)));
        Assert.Equal(["main;Worker.Run;A.Work"], podA.Keys.ToArray());

        var from = now.AddHours(-4).ToUnixTimeSeconds();
        var older = Pprofs.Stacks(Pprofs.Read(await agent.Client.GetByteArrayAsync(
            $"/api/profile?application=api&type=wall/nanoseconds&pod_name=b&from={from}&to={Uri.EscapeDataString(now.AddHours(-2).ToString("O"))}", cts.Token)));
        Assert.Equal(1000, older["main;Worker.Run;B.Work"]);

        var graph = await agent.Client.GetFromJsonAsync<JsonElement>("/api/flamegraph?application=api&type=wall/nanoseconds", cts.Token);
        Assert.Equal("nanoseconds", graph.GetProperty("unit").GetString());
        Assert.Equal(3, graph.GetProperty("profiles").GetInt32());
        var root = graph.GetProperty("root");
        Assert.Equal(180, root.GetProperty("value").GetInt64());
        var worker = root.GetProperty("children")[0].GetProperty("children")[0];
        Assert.Equal("Worker.Run", worker.GetProperty("name").GetString());
        Assert.Equal(["A.Work", "B.Work"], worker.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray());

        using var unknownLabel = await agent.Client.GetAsync("/api/profile?application=api&type=wall/nanoseconds&pod_name=zzz", cts.Token);
        Assert.Empty(Pprofs.Read(await unknownLabel.Content.ReadAsByteArrayAsync(cts.Token)).Sample);
        using var unknownLabelGraph = await agent.Client.GetAsync("/api/flamegraph?application=api&type=wall/nanoseconds&pod_name=zzz", cts.Token);
        Assert.Equal(HttpStatusCode.OK, unknownLabelGraph.StatusCode);
        var emptyGraph = await unknownLabelGraph.Content.ReadFromJsonAsync<JsonElement>(cts.Token);
        Assert.Equal(0, emptyGraph.GetProperty("root").GetProperty("value").GetInt64());
        using var unknownApp = await agent.Client.GetAsync("/api/profile?application=nope&type=wall/nanoseconds", cts.Token);
        Assert.Equal(HttpStatusCode.NotFound, unknownApp.StatusCode);
        using var badTime = await agent.Client.GetAsync("/api/profile?application=api&from=yesterday", cts.Token);
        Assert.Equal(HttpStatusCode.BadRequest, badTime.StatusCode);
    }

    public static TheoryData<string, string> HostileUploads() => new()
    {
        { "no event part", "no-event" },
        { "event is not JSON", "event-not-json" },
        { "attachment listed but missing", "missing-attachment" },
        { "no service tag", "no-service" },
        { "not a pprof", "garbage-pprof" },
        { "broken gzip", "broken-gzip" },
        { "sample values do not match types", "value-mismatch" },
        { "location refers to missing function", "dangling-function" },
        { "application name of 10 kB", "huge-name" },
        { "NUL in the application name", "nul-name" },
        { "end before start", "end-before-start" },
        { "truncated multipart", "truncated" },
        { "part without a name", "nameless-part" },
    };

    [Theory]
    [MemberData(nameof(HostileUploads))]
    public async Task HostileUploadsGetA4xxWithAReasonAndStoredProfilesSurvive(string description, string kind)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        await UploadWallAsync(agent, "keep", "Kept.Frame", 42, cts.Token);

        byte[] Ev(string service, string extra = "") => Encoding.UTF8.GetBytes(Uploads.Event(service, ["wall.pprof"], extra));
        var mismatch = Pprofs.Create(Wall, (["main"], [1, 2]));
        mismatch.Sample[0].Value.Add(3);
        var dangling = Pprofs.Create(Wall, (["main"], [1, 2]));
        dangling.Location[0].Line[0].FunctionId = 99;
        var endBeforeStart = Encoding.UTF8.GetBytes(Uploads.Event("x", ["wall.pprof"], length: TimeSpan.FromSeconds(-5)));
        var pprof = WallPprof("X", 1);
        var body = kind switch
        {
            "no-event" => Uploads.Body(Boundary, ("wall.pprof", "application/octet-stream", pprof)),
            "event-not-json" => Uploads.Body(Boundary, ("event", "application/json", "{not json"u8.ToArray()), ("wall.pprof", "application/octet-stream", pprof)),
            "missing-attachment" => Uploads.Body(Boundary, ("event", "application/json", Ev("x")), ("other.pprof", "application/octet-stream", pprof)),
            "no-service" => Uploads.Body(Boundary, ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event("", ["wall.pprof"]))), ("wall.pprof", "application/octet-stream", pprof)),
            "garbage-pprof" => Uploads.Body(Boundary, ("event", "application/json", Ev("x")), ("wall.pprof", "application/octet-stream", [0xff, 0xff, 0xff, 0x01, 0x02])),
            "broken-gzip" => Uploads.Body(Boundary, ("event", "application/json", Ev("x")), ("wall.pprof", "application/octet-stream", [.. pprof.Take(20)])),
            "value-mismatch" => Uploads.Body(Boundary, ("event", "application/json", Ev("x")), ("wall.pprof", "application/octet-stream", Pprofs.Gzip(mismatch))),
            "dangling-function" => Uploads.Body(Boundary, ("event", "application/json", Ev("x")), ("wall.pprof", "application/octet-stream", Pprofs.Gzip(dangling))),
            "huge-name" => Uploads.Body(Boundary, ("event", "application/json", Ev(new string('a', 10_000))), ("wall.pprof", "application/octet-stream", pprof)),
            "nul-name" => Uploads.Body(Boundary, ("event", "application/json", Ev("bad\0name")), ("wall.pprof", "application/octet-stream", pprof)),
            "end-before-start" => Uploads.Body(Boundary, ("event", "application/json", endBeforeStart), ("wall.pprof", "application/octet-stream", pprof)),
            "truncated" => [.. Uploads.Body(Boundary, ("event", "application/json", Ev("x")), ("wall.pprof", "application/octet-stream", pprof)).SkipLast(40)],
            "nameless-part" => Uploads.Body(Boundary, (null, "application/json", Ev("x"))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        using var response = await Uploads.PostAsync(agent.Client, Boundary, body, cts.Token);
        var reason = await response.Content.ReadAsStringAsync(cts.Token);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{description}: {(int)response.StatusCode} {reason}");
        Assert.Contains("\"error\"", reason, StringComparison.Ordinal);

        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cts.Token);
        Assert.Equal(["keep"], apps.EnumerateArray().Select(a => a.GetProperty("name").GetString()!).ToArray());
        var kept = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=keep&type=wall/nanoseconds", cts.Token));
        Assert.Equal(42, Pprofs.Stacks(kept)["main;Worker.Run;Kept.Frame"]);
    }

    [Fact]
    public async Task HostileNamesAreDataNotPaths()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        const string name = "../../etc/passwd";
        var body = Uploads.Body(Boundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event(name, ["../x.pprof"], ",../../k:/v;DROP TABLE profiles"))),
            ("../x.pprof", "application/octet-stream", WallPprof("F", 1)));
        using var response = await Uploads.PostAsync(agent.Client, Boundary, body, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(["profiles.db", "profiles.db-shm", "profiles.db-wal"], Directory.GetFileSystemEntries(agent.DataDir).Select(p => Path.GetFileName(p)).Order().ToArray());
        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cts.Token);
        var app = Assert.Single(apps.EnumerateArray());
        Assert.Equal(name, app.GetProperty("name").GetString());
        Assert.Equal("/v;DROP TABLE profiles", app.GetProperty("labels").GetProperty("../../k")[0].GetString());
        using var profile = await agent.Client.GetAsync($"/api/profile?application={Uri.EscapeDataString(name)}&type=wall/nanoseconds", cts.Token);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.DoesNotContain("/", profile.Content.Headers.ContentDisposition!.FileName!.Trim('"'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBodiesAndDecompressionBombsGet413()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--max-body-bytes", "65536", "--max-decompressed-bytes", "1048576");
        var big = Uploads.Body(Boundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event("big", ["wall.pprof"]))),
            ("wall.pprof", "application/octet-stream", new byte[200_000]));
        using (var response = await Uploads.PostChunkedAsync(agent.Client, "/profiling/v1/input", big, $"multipart/form-data; boundary={Boundary}", cts.Token))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        // 20 MB of zeros gzip to about 20 kB: under the body cap, over the inflation cap.
        using var bomb = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(bomb, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[20_000_000]);
        }
        var body = Uploads.Body(Boundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event("bomb", ["wall.pprof"]))),
            ("wall.pprof", "application/octet-stream", bomb.ToArray()));
        using (var response = await Uploads.PostAsync(agent.Client, Boundary, body, cts.Token))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("inflates", await response.Content.ReadAsStringAsync(cts.Token), StringComparison.Ordinal);
        }
        Assert.Empty(agent.Store.GetApplications());
    }

    [Fact]
    public async Task WithATokenUploadsNeedItAndQueriesDoNot()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--token", "s3cret-token");
        var body = Uploads.Body(Boundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event("secure", ["wall.pprof"]))),
            ("wall.pprof", "application/octet-stream", WallPprof("F", 1)));
        using (var none = await Uploads.PostAsync(agent.Client, Boundary, body, cts.Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        }
        using (var wrong = await Uploads.PostAsync(agent.Client, Boundary, body, cts.Token, token: "s3cret-tokem"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var ingest = await agent.Client.PostAsync("/ingest?name=secure&format=pprof", new ByteArrayContent(WallPprof("F", 1)), cts.Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, ingest.StatusCode);
        }
        Assert.Empty(agent.Store.GetApplications());
        using (var right = await Uploads.PostAsync(agent.Client, Boundary, body, cts.Token, token: "s3cret-token"))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        }
        using var apps = await agent.Client.GetAsync("/api/applications", cts.Token);
        Assert.Equal(HttpStatusCode.OK, apps.StatusCode);
    }

    [Fact]
    public async Task PathsDatadogTracersProbeGetQuickHarmlessAnswers()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        using var traces = await agent.Client.PutAsync("/v0.4/traces", new ByteArrayContent([0x90]), cts.Token);
        Assert.Equal(HttpStatusCode.OK, traces.StatusCode);
        using var config = await agent.Client.PostAsync("/v0.7/config", new StringContent("{}"), cts.Token);
        Assert.Equal(HttpStatusCode.OK, config.StatusCode);
        using var telemetry = await agent.Client.PostAsync("/telemetry/proxy/api/v2/apmtelemetry", new StringContent("{}"), cts.Token);
        Assert.True(telemetry.IsSuccessStatusCode);
        using var statsd = await agent.Client.PostAsync("/dogstatsd/v2/proxy", new StringContent("x:1|c"), cts.Token);
        Assert.True(statsd.IsSuccessStatusCode);
        var info = await agent.Client.GetFromJsonAsync<JsonElement>("/info", cts.Token);
        Assert.Contains("/profiling/v1/input", info.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task PyroscopeIngestStoresRawAndGzipPprofWithLabelsFromTheName()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var name = Uri.EscapeDataString("checkout{env=prod,region=eu}");
        using (var gz = await agent.Client.PostAsync($"/ingest?name={name}&from={now - 10}&until={now}&format=pprof", new ByteArrayContent(WallPprof("Gz.Frame", 10)), cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, gz.StatusCode);
        }
        var raw = Pprofs.Create(Wall, (["main", "Raw.Frame"], [1, 20])).ToByteArray();
        using (var plain = await agent.Client.PostAsync($"/ingest?name={name}&from={now - 10}&until={now}&format=pprof", new ByteArrayContent(raw), cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }
        using (var folded = await agent.Client.PostAsync($"/ingest?name=checkout&format=folded", new StringContent("a;b 1"), cts.Token))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, folded.StatusCode);
        }
        var profile = Pprofs.Stacks(Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=checkout&type=wall/nanoseconds&region=eu", cts.Token)));
        Assert.Equal(10, profile["main;Worker.Run;Gz.Frame"]);
        Assert.Equal(20, profile["main;Raw.Frame"]);
    }

    [Fact]
    public async Task StoredProfilesSurviveARestart()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        await UploadWallAsync(agent, "durable", "Before.Restart", 11, cts.Token);
        await agent.RestartAsync();
        await UploadWallAsync(agent, "durable", "After.Restart", 22, cts.Token);
        var stacks = Pprofs.Stacks(Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=durable&type=wall/nanoseconds", cts.Token)));
        Assert.Equal(11, stacks["main;Worker.Run;Before.Restart"]);
        Assert.Equal(22, stacks["main;Worker.Run;After.Restart"]);
    }

    [Fact]
    public async Task RetentionDeletesOldProfilesThenTheOldestOverTheSizeBudget()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--retention", "2.00:00:00");
        var now = DateTimeOffset.UtcNow;
        foreach (var (leaf, age) in new[] { ("Ancient", TimeSpan.FromDays(3)), ("Old", TimeSpan.FromHours(3)), ("Newer", TimeSpan.FromHours(2)), ("Newest", TimeSpan.FromMinutes(5)) })
        {
            await UploadWallAsync(agent, "ret", leaf, 1, cts.Token, start: now - age);
        }
        var (byAge, _) = await agent.Store.ApplyRetentionAsync(now - TimeSpan.FromDays(2), long.MaxValue, cts.Token);
        Assert.Equal(1, byAge);
        var perProfile = agent.Store.StoredBytes / 3;
        var (bySize, _) = await agent.Store.ApplyRetentionAsync(now - TimeSpan.FromDays(2), perProfile, cts.Token);
        Assert.Equal(2, bySize);
        var from = (now - TimeSpan.FromDays(4)).ToUnixTimeSeconds();
        var stacks = Pprofs.Stacks(Pprofs.Read(await agent.Client.GetByteArrayAsync($"/api/profile?application=ret&type=wall/nanoseconds&from={from}", cts.Token)));
        Assert.Equal(["main;Worker.Run;Newest"], stacks.Keys.ToArray());
    }
}

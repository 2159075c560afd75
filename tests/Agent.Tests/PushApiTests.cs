using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flamewatch.TestKit.Profiles;
using Google.Protobuf;

namespace Flamewatch.Agent.Tests;

/// <summary>
/// Pyroscope's push API (<c>POST /push.v1.PusherService/Push</c>, Connect unary). Pyroscope's .NET profiler
/// (0.14 and later) cannot run here, so its request is rebuilt from its source's documented format
/// (PyroscopePprofSink: one series per profile with <c>__name__</c>, <c>service_name</c>, <c>spy_name</c>, OTel scope
/// and runtime labels, the static tags, one gzip pprof; <c>application/proto</c>, basic auth). The protobuf is
/// written field by field from Pyroscope's published field numbers, not with the agent's own .proto.
/// </summary>
public sealed class PushApiTests
{
    private const string PushPath = "/push.v1.PusherService/Push";

    private static byte[] CpuPprof(string leaf, long value, DateTimeOffset time)
    {
        var profile = Pprofs.Create(["cpu/nanoseconds"], (["Program.Main", "Shop.Checkout", leaf], [value]));
        profile.TimeNanos = time.ToUnixTimeMilliseconds() * 1_000_000;
        profile.DurationNanos = 15_000_000_000;
        return Pprofs.Gzip(profile);
    }

    /// <summary>PushRequest{series=1: RawProfileSeries{labels=1: LabelPair{name=1,value=2}, samples=2: RawSample{raw_profile=1, ID=2}}}.</summary>
    internal static byte[] PushRequest(params (string Name, string Value)[][] seriesLabels) =>
        PushRequest([.. seriesLabels.Select(labels => (labels, new[] { CpuPprof("Cart.Total", 30_000_000, DateTimeOffset.UtcNow.AddSeconds(-20)) }))]);

    internal static byte[] PushRequest(((string Name, string Value)[] Labels, byte[][] Samples)[] series)
    {
        using var output = new MemoryStream();
        var writer = new CodedOutputStream(output);
        foreach (var (labels, samples) in series)
        {
            var body = Message(w =>
            {
                foreach (var (name, value) in labels)
                {
                    w.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    w.WriteBytes(ByteString.CopyFrom(Message(l =>
                    {
                        l.WriteTag(1, WireFormat.WireType.LengthDelimited);
                        l.WriteString(name);
                        l.WriteTag(2, WireFormat.WireType.LengthDelimited);
                        l.WriteString(value);
                    })));
                }
                foreach (var sample in samples)
                {
                    w.WriteTag(2, WireFormat.WireType.LengthDelimited);
                    w.WriteBytes(ByteString.CopyFrom(Message(r =>
                    {
                        r.WriteTag(1, WireFormat.WireType.LengthDelimited);
                        r.WriteBytes(ByteString.CopyFrom(sample));
                    })));
                }
            });
            writer.WriteTag(1, WireFormat.WireType.LengthDelimited);
            writer.WriteBytes(ByteString.CopyFrom(body));
        }
        writer.Flush();
        return output.ToArray();
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var output = new MemoryStream();
        var writer = new CodedOutputStream(output);
        write(writer);
        writer.Flush();
        return output.ToArray();
    }

    /// <summary>The labels Pyroscope .NET's PyroscopePprofSink puts on a CPU profile, plus one static tag.</summary>
    private static (string, string)[] DotnetLabels(string service) =>
    [
        ("__name__", "process_cpu"), ("service_name", service), ("spy_name", "dotnetspy"),
        ("otel.scope.name", "com.grafana.pyroscope/dotnet"), ("otel.scope.version", "0.14.2"),
        ("process.runtime.name", ".NET"), ("process.runtime.version", "10.0.0"), ("region", "eu-west"),
    ];

    private static async Task<HttpResponseMessage> PushAsync(TestAgent agent, byte[] body, CancellationToken cancellationToken,
        string contentType = "application/proto", string? encoding = null, AuthenticationHeaderValue? auth = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, PushPath) { Content = content };
        request.Headers.UserAgent.ParseAdd("pyroscope-dotnet/0.14.2 cpp-httplib");
        request.Headers.Authorization = auth;
        return await agent.Client.SendAsync(request, cancellationToken);
    }

    private static async Task AssertConnectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code, string messagePart, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains(messagePart, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APyroscopeDotnetPushIsStoredUnderItsServiceNameWithItsTagsAndGoReadsItBack()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var agent = await TestAgent.StartAsync("--token", "push-secret");
        var body = PushRequest(DotnetLabels("checkout"));
        // Basic auth with the token as the password, as Pyroscope clients send it (Grafana Cloud style).
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("12345:push-secret")));
        using (var response = await PushAsync(agent, body, cts.Token, auth: basic))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/proto", response.Content.Headers.ContentType?.MediaType);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(cts.Token));
        }

        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cts.Token);
        var app = Assert.Single(apps.EnumerateArray());
        Assert.Equal("checkout", app.GetProperty("name").GetString());
        var labels = app.GetProperty("labels");
        Assert.Equal(["otel.scope.name", "otel.scope.version", "process.runtime.name", "process.runtime.version", "region", "spy_name"],
            labels.EnumerateObject().Select(l => l.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("dotnetspy", labels.GetProperty("spy_name")[0].GetString());

        var pprof = await agent.Client.GetByteArrayAsync("/api/profile?application=checkout&type=cpu/nanoseconds&region=eu-west", cts.Token);
        Assert.Equal(30_000_000, Pprofs.Stacks(Pprofs.Read(pprof))["Program.Main;Shop.Checkout;Cart.Total"]);
        var raw = await GoPprof.RawAsync(pprof);
        Assert.Contains("Cart.Total", raw, StringComparison.Ordinal);
        Assert.Contains("cpu/nanoseconds", raw, StringComparison.Ordinal);

        // A wrong password is refused in the Connect error form.
        var wrong = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("12345:push-secreT")));
        using var refused = await PushAsync(agent, body, cts.Token, auth: wrong);
        await AssertConnectErrorAsync(refused, HttpStatusCode.Unauthorized, "unauthenticated", "token", cts.Token);
    }

    [Fact]
    public async Task JsonAndCompressedPushesAreAcceptedAndTheProfileKeepsItsOwnTimeRange()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var time = DateTimeOffset.UtcNow.AddMinutes(-30);
        var json = JsonSerializer.Serialize(new
        {
            series = new[]
            {
                new
                {
                    labels = new[] { new { name = "service_name", value = "json-app" }, new { name = "__session_id__", value = "4f3c" }, new { name = "env", value = "dev" } },
                    samples = new[] { new { rawProfile = Convert.ToBase64String(CpuPprof("Json.Leaf", 5, time)), ID = "a1" } },
                },
            },
            unknownField = 1,
        });
        using (var response = await PushAsync(agent, Encoding.UTF8.GetBytes(json), cts.Token, contentType: "application/json"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{}", await response.Content.ReadAsStringAsync(cts.Token));
        }
        // A gzip-compressed protobuf body whose raw profile is zstd.
        var zstd = Fuzz.IntakeFuzzer.Zstd(Pprofs.Create(["cpu/nanoseconds"], (["main", "Zstd.Leaf"], [7])).ToByteArray());
        var proto = Pprofs.GzipBytes(PushRequest([([("service_name", "gz-app")], [zstd])]));
        using (var response = await PushAsync(agent, proto, cts.Token, encoding: "gzip"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cts.Token);
        var jsonApp = Assert.Single(apps.EnumerateArray(), a => a.GetProperty("name").GetString() == "json-app");
        Assert.Equal(["env"], jsonApp.GetProperty("labels").EnumerateObject().Select(l => l.Name).ToArray());
        // The stored period is the pprof's own: 30 min ago, for 15 s.
        var from = jsonApp.GetProperty("from").GetDateTimeOffset();
        Assert.True(Math.Abs((from - time).TotalSeconds) < 2, $"stored from {from:O}, pprof time {time:O}");
        var old = Pprofs.Read(await agent.Client.GetByteArrayAsync($"/api/profile?application=json-app&from={time.AddMinutes(-1).ToUnixTimeSeconds()}&to={time.AddMinutes(1).ToUnixTimeSeconds()}", cts.Token));
        Assert.Equal(5, Pprofs.Stacks(old)["Program.Main;Shop.Checkout;Json.Leaf"]);
        Assert.Contains(apps.EnumerateArray(), a => a.GetProperty("name").GetString() == "gz-app");
    }

    public static TheoryData<string, string, HttpStatusCode, string, string> BadPushes() => new()
    {
        { "garbage protobuf", "garbage", HttpStatusCode.BadRequest, "invalid_argument", "not a valid protobuf PushRequest" },
        { "broken JSON", "json", HttpStatusCode.BadRequest, "invalid_argument", "not a valid JSON PushRequest" },
        { "no service_name or __name__", "nameless", HttpStatusCode.BadRequest, "invalid_argument", "series 0 has no service_name" },
        { "text/plain", "text", HttpStatusCode.UnsupportedMediaType, "unimplemented", "application/proto" },
        { "a bomb in one sample", "bomb", HttpStatusCode.BadRequest, "invalid_argument", "'series[1].samples[0].raw_profile' inflates to more than" },
        { "a broken pprof after a good one", "broken", HttpStatusCode.BadRequest, "invalid_argument", "series[0].samples[1].raw_profile" },
        { "Content-Encoding br", "brotli", HttpStatusCode.BadRequest, "invalid_argument", "Content-Encoding 'br'" },
        { "gzip claimed, not sent", "not-gzip", HttpStatusCode.BadRequest, "invalid_argument", "not gzip" },
    };

    [Theory]
    [MemberData(nameof(BadPushes))]
    public async Task BadPushesGetConnectErrorsAndStoreNothing(string description, string kind, HttpStatusCode status, string code, string messagePart)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--max-decompressed-bytes", "1048576");
        var good = CpuPprof("Good", 1, DateTimeOffset.UtcNow.AddSeconds(-20));
        var (body, contentType, encoding) = kind switch
        {
            "garbage" => ((byte[])[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01], "application/proto", (string?)null),
            "json" => (Encoding.UTF8.GetBytes("{\"series\":[{\"labels\":"), "application/json", null),
            "nameless" => (PushRequest([("env", "prod")]), "application/proto", null),
            "text" => (PushRequest(DotnetLabels("x")), "text/plain", null),
            "bomb" => (PushRequest([([("service_name", "ok")], [good]), ([("service_name", "bomb")], [Pprofs.GzipBytes(new byte[8_000_000])])]), "application/proto", null),
            "broken" => (PushRequest([([("service_name", "half")], [good, good[..20]])]), "application/proto", null),
            "brotli" => (PushRequest(DotnetLabels("x")), "application/proto", "br"),
            _ => (PushRequest(DotnetLabels("x")), "application/proto", "gzip"),
        };
        using var response = await PushAsync(agent, body, cts.Token, contentType, encoding);
        await AssertConnectErrorAsync(response, status, code, messagePart, cts.Token);
        Assert.True(agent.Store.GetApplications().Count == 0, description + ": something was stored");
    }
}

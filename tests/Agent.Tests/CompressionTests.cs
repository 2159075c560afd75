using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Google.Protobuf;

namespace Flamewatch.Agent.Tests;

/// <summary>zstd and lz4-frame attachments (what libdatadog-based tracers, dd-trace-java/-go and dd-trace-js 6 send).</summary>
public sealed class CompressionTests
{
    private const string Boundary = "c0dec5c0dec5";

    private static byte[] WallPprof(string leaf, long value) =>
        Pprofs.Create(["wall/nanoseconds"], (["main", "Worker.Run", leaf], [value])).ToByteArray();

    private static async Task<HttpResponseMessage> UploadAsync(TestAgent agent, string service, byte[] attachment, CancellationToken cancellationToken, string name = "wall.pprof")
    {
        var body = Uploads.Body(Boundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event(service, [name]))),
            (name, "application/octet-stream", attachment));
        return await Uploads.PostAsync(agent.Client, Boundary, body, cancellationToken);
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("lz4")]
    public async Task CompressedAttachmentsAreStoredLikeGzipOnes(string codec)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        // Two attachments in one upload, each compressed by the reference encoder; lz4 with and without the content size.
        var cpu = Pprofs.Create(["cpu/nanoseconds"], (["main", "Hot.Path"], [7_000_000])).ToByteArray();
        var body = Uploads.Body(Boundary,
            ("event", "application/json", Encoding.UTF8.GetBytes(Uploads.Event(codec + "-app", ["wall.pprof", "cpu.pprof"], ",pod_name:p-1"))),
            ("wall.pprof", "application/octet-stream", await Codecs.CompressAsync(codec, WallPprof("Slow.Io", 5_000_000))),
            ("cpu.pprof", "application/octet-stream", await Codecs.CompressAsync(codec, cpu, codec == "lz4" ? "--content-size" : "-19")));
        using var response = await Uploads.PostAsync(agent.Client, Boundary, body, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var wall = Pprofs.Read(await agent.Client.GetByteArrayAsync($"/api/profile?application={codec}-app&type=wall/nanoseconds&pod_name=p-1", cts.Token));
        Assert.Equal(5_000_000, Pprofs.Stacks(wall)["main;Worker.Run;Slow.Io"]);
        var merged = Pprofs.Read(await agent.Client.GetByteArrayAsync($"/api/profile?application={codec}-app&type=cpu/nanoseconds", cts.Token));
        Assert.Equal(7_000_000, Pprofs.Stacks(merged)["main;Hot.Path"]);
    }

    [Fact]
    public async Task ZstdFramesWithoutContentSizeAndConcatenatedFramesAreRead()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var pprof = WallPprof("Streamed", 11);
        var streamed = await Codecs.CompressAsync("zstd", pprof, "--no-content-size");
        using (var response = await UploadAsync(agent, "streamed", streamed, cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // A pprof split in two frames: decoders must continue past the first.
        var half = pprof.Length / 2;
        var two = (byte[])[.. await Codecs.CompressAsync("zstd", pprof[..half]), .. await Codecs.CompressAsync("zstd", pprof[half..])];
        using (var response = await UploadAsync(agent, "framed", two, cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var apps = await agent.Client.GetFromJsonAsync<JsonElement>("/api/applications", cts.Token);
        Assert.Equal(["framed", "streamed"], apps.EnumerateArray().Select(a => a.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("zstd", "")]
    [InlineData("zstd", "--no-content-size")]
    [InlineData("lz4", "")]
    [InlineData("lz4", "--content-size")]
    public async Task BombsGet413AndNothingIsStored(string codec, string option)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync("--max-body-bytes", "65536", "--max-decompressed-bytes", "1048576");
        // 8 MB of zeros: a few hundred bytes of zstd, about 32 kB of lz4; eight times the inflation cap.
        var bomb = await Codecs.CompressAsync(codec, new byte[8_000_000], option.Length == 0 ? [] : [option]);
        using var response = await UploadAsync(agent, "bomb", bomb, cts.Token);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var reason = await response.Content.ReadAsStringAsync(cts.Token);
        Assert.Contains("'wall.pprof' inflates to more than 1048576 bytes", reason, StringComparison.Ordinal);
        Assert.Empty(agent.Store.GetApplications());
    }

    [Fact]
    public async Task AZstdStreamAskingForAHugeWindowGets413BeforeTheWindowIsAllocated()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Frames whose decompressed size is bounded within the cap are decoded in one pass, without a window; a
        // larger stream is decoded with a window, and this one asks for 32 MiB (--long=27 over 20 MB, no content
        // size), past the 8 MiB cap: refused at its header, before 20 MB were inflated and counted.
        await using var agent = await TestAgent.StartAsync("--max-decompressed-bytes", "16777216");
        var wide = await Codecs.CompressAsync("zstd", new byte[20_000_000], "--long=27", "--no-content-size");
        using var response = await UploadAsync(agent, "wide", wide, cts.Token);
        var reason = await response.Content.ReadAsStringAsync(cts.Token);
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode} {reason}");
        Assert.Contains("'wall.pprof' is zstd with a window larger than 8388608 bytes", reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> CorruptFrames() => new()
    {
        { "zstd", "truncated" },
        { "zstd", "flipped" },
        { "zstd", "bad-header" },
        { "lz4", "truncated" },
        { "lz4", "flipped" },
        { "lz4", "bad-header" },
    };

    [Theory]
    [MemberData(nameof(CorruptFrames))]
    public async Task CorruptFramesGet400NamingTheAttachment(string codec, string damage)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var pprof = Pprofs.Create(["wall/nanoseconds"], [.. Enumerable.Range(0, 200).Select(i => (new[] { "main", $"Frame{i}" }, new long[] { i + 1 }))]).ToByteArray();
        var frame = await Codecs.CompressAsync(codec, pprof);
        byte[] broken = damage switch
        {
            "truncated" => frame[..(frame.Length / 2)],
            // A byte in the middle of the compressed data; both encoders write a content checksum by default.
            "flipped" => [.. frame[..(frame.Length / 2)], (byte)(frame[frame.Length / 2] ^ 0x5a), .. frame[(frame.Length / 2 + 1)..]],
            // The magic number followed by a frame descriptor with reserved bits set.
            _ => [.. frame[..4], 0xff, 0xff, 0xff, .. frame[7..]],
        };
        using var response = await UploadAsync(agent, "corrupt", broken, cts.Token, name: "cpu-samples.pprof");
        var reason = await response.Content.ReadAsStringAsync(cts.Token);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {reason}");
        Assert.Contains("'cpu-samples.pprof'", reason, StringComparison.Ordinal);
        Assert.Empty(agent.Store.GetApplications());
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("lz4")]
    public async Task PyroscopeIngestBodiesMayBeCompressedToo(string codec)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var body = await Codecs.CompressAsync(codec, WallPprof("Ingested", 9));
        using var response = await agent.Client.PostAsync("/ingest?name=pyro{env=dev}&format=pprof", new ByteArrayContent(body), cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var wall = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=pyro&type=wall/nanoseconds&env=dev", cts.Token));
        Assert.Equal(9, Pprofs.Stacks(wall)["main;Worker.Run;Ingested"]);
    }
}

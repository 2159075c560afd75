using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Flamewatch.Profiling.Tests;

/// <summary>
/// Malformed EventPipe (nettrace) streams reach the session's real parsing path through a fake diagnostic server:
/// a real recording of the target app, truncated or corrupted. The session reading it ends on its own (Faulted, or
/// AttachFailed when the stream does not even start) with a message, while a session on a real target in the
/// same process keeps producing periods and stops cleanly.
/// </summary>
public sealed class MalformedStreamTests(DefaultRateTarget target, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<DefaultRateTarget>
{
    private static readonly ProfilingOptions ShortPeriods = new() { Period = TimeSpan.FromSeconds(2), FrequencyHz = 100 };

    public static TheoryData<string> Corruptions => new()
    {
        "truncated-in-the-header",
        "truncated-halfway",
        "truncated-before-the-end",
        "bytes-flipped",
        "block-zeroed",
        "block-of-garbage",
        "not-a-nettrace",
        "empty",
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task A_malformed_stream_ends_its_own_session_only(string corruption)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var recording = await RecordAsync(target.Process.Pid, TimeSpan.FromSeconds(2), timeout.Token);
        Assert.True(recording.Length > 4096, $"the recording has {recording.Length} bytes");
        var malformed = Corrupt(recording, corruption, new Random(corruption.GetHashCode(StringComparison.Ordinal)));

        await using var survivor = new ProfilingSession(target.Process.Pid, ShortPeriods, new CapturingExporter());
        var survivorPeriods = 0;
        survivor.PeriodCompleted += (_, _) => Interlocked.Increment(ref survivorPeriods);
        Assert.True((await survivor.StartAsync(timeout.Token)).Succeeded);

        await using var fake = await FakeDiagnosticServer.StartAsync(malformed);
        await using var broken = new ProfilingSession(fake.Pid, ShortPeriods, new CapturingExporter());
        var attach = await broken.StartAsync(timeout.Token);
        Assert.True(fake.TracingRequests > 0 || !attach.Succeeded, "the session did not reach the fake diagnostic server");
        var ended = await broken.Completion.WaitAsync(TimeSpan.FromSeconds(60), timeout.Token);
        Assert.True(ended.End is SessionEnd.Faulted or SessionEnd.AttachFailed, $"{corruption}: {ended.End} {ended.Message}");
        Assert.False(string.IsNullOrWhiteSpace(ended.Message));
        output.WriteLine($"{corruption} ({malformed.Length} of {recording.Length} bytes): {ended.End}: {ended.Message}");
        Assert.True(fake.TracingRequests > 0, $"the session never asked the fake server for a stream: {ended.End} {ended.Message}");
        if (!attach.Succeeded)
        {
            Assert.Contains("EventPipe", attach.Message, StringComparison.Ordinal);
        }

        var before = Volatile.Read(ref survivorPeriods);
        while (Volatile.Read(ref survivorPeriods) <= before)
        {
            await Task.Delay(200, timeout.Token);
        }
        Assert.Equal(SessionState.Running, survivor.State);
        Assert.Equal(SessionEnd.Stopped, (await survivor.StopAsync(timeout.Token)).End);
    }

    /// <summary>A real nettrace of the target: runtime events and thread samples with stacks, as the session asks for.</summary>
    private static async Task<byte[]> RecordAsync(int pid, TimeSpan length, CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(pid);
        var configuration = new EventPipeSessionConfiguration(
            [
                new EventPipeProvider(ClrTraceEventParser.ProviderName, System.Diagnostics.Tracing.EventLevel.Informational, (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.Loader | ClrTraceEventParser.Keywords.Jit)),
                new EventPipeProvider(SampleProfilerTraceEventParser.ProviderName, System.Diagnostics.Tracing.EventLevel.Informational, 0),
            ],
            circularBufferSizeMB: 64, requestRundown: false, requestStackwalk: true);
        using var session = await client.StartEventPipeSessionAsync(configuration, cancellationToken);
        using var output = new MemoryStream();
        var copying = session.EventStream.CopyToAsync(output, cancellationToken);
        await Task.Delay(length, cancellationToken);
        await session.StopAsync(cancellationToken);
        await copying;
        return output.ToArray();
    }

    private static byte[] Corrupt(byte[] recording, string corruption, Random random)
    {
        var bytes = (byte[])recording.Clone();
        var middle = bytes.Length / 2;
        switch (corruption)
        {
            case "truncated-in-the-header":
                return bytes[..40];
            case "truncated-halfway":
                return bytes[..middle];
            case "truncated-before-the-end":
                return bytes[..^7];
            case "bytes-flipped":
                for (var i = 0; i < 64; i++)
                {
                    bytes[random.Next(256, bytes.Length)] ^= (byte)(1 << random.Next(8));
                }
                return bytes;
            case "block-zeroed":
                Array.Clear(bytes, middle, Math.Min(8192, bytes.Length - middle));
                return bytes;
            case "block-of-garbage":
                random.NextBytes(bytes.AsSpan(middle, Math.Min(8192, bytes.Length - middle)));
                return bytes;
            case "not-a-nettrace":
                random.NextBytes(bytes.AsSpan(0, Math.Min(4096, bytes.Length)));
                return bytes[..4096];
            case "empty":
                return [];
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption));
        }
    }
}

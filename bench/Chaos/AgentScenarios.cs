using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Pprof;
using Flamewatch.TestKit.Processes;
using Google.Protobuf;

namespace Flamewatch.Bench.Chaos;

/// <summary>Faults between the collector and the agent: the agent down for several periods, or killed mid-upload.</summary>
internal static class AgentScenarios
{
    private static readonly Dictionary<string, string> TargetEnvironment = new() { ["DOTNET_EventPipeThreadSamplingRate"] = "A" };

    /// <summary>
    /// The local-mode collector uploads every 2 s while the agent is killed for 10 s, 10 s and 45 s (longer than
    /// the 16-upload queue holds). Measures: collector alive, its RSS, profiles delivered after each recovery,
    /// drops and abandons it logged.
    /// </summary>
    public static async Task AgentOutagesAsync()
    {
        Console.WriteLine("--- agent down for several periods (collector local mode, period 2s, upload timeout 1s) ---");
        await using var agent = await AgentProcess.StartAsync(CancellationToken.None);
        using var target = ChildProcess.Start("Flamewatch.TestKit.TargetApp.dll", ["hot", "sleep", "alloc"], TargetEnvironment);
        await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        using var collector = ChildProcess.Start("flamewatch-collector.dll",
            ["profile", "--pid", target.Id.ToString(), "--agent", agent.Url, "--period", "2s", "--upload-timeout", "1s", "--application-name", "outage"]);
        await collector.WaitForLineAsync("Profiling process", TimeSpan.FromSeconds(60));
        var clock = Stopwatch.StartNew();
        var rss = new ConcurrentBag<long>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested && !collector.HasExited)
            {
                rss.Add(collector.ResidentBytes());
                await Task.Delay(1000);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(8));
        foreach (var outage in new[] { 10, 10, 45 })
        {
            var before = await ProfileCountAsync(agent, "outage");
            agent.Kill();
            Console.WriteLine($"  t={clock.Elapsed.TotalSeconds:F0}s agent killed for {outage}s ({before} profiles stored so far)");
            await Task.Delay(TimeSpan.FromSeconds(outage));
            await agent.RestartAsync(CancellationToken.None);
            var recovered = await WaitForStableCountAsync(agent, "outage", TimeSpan.FromSeconds(outage == 45 ? 90 : 25));
            Console.WriteLine($"  t={clock.Elapsed.TotalSeconds:F0}s agent back: {recovered} profiles stored (+{recovered - before} since the outage began; collector alive: {!collector.HasExited})");
        }
        var elapsed = clock.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        var stored = await ProfileCountAsync(agent, "outage");
        var dropped = collector.Lines.Count(l => l.Contains("dropped the oldest upload", StringComparison.Ordinal));
        var abandoned = collector.Lines.Count(l => l.Contains("abandoned after", StringComparison.Ordinal));
        Console.WriteLine($"  {elapsed.TotalSeconds:F0}s, ~{elapsed.TotalSeconds / 2:F0} periods: {stored} profiles stored, {dropped} dropped (queue full), {abandoned} abandoned (attempts exhausted), "
            + $"collector alive: {!collector.HasExited}, collector RSS min {ProcessReadings.MiB(rss.Min())} max {ProcessReadings.MiB(rss.Max())} last {ProcessReadings.MiB(collector.HasExited ? 0 : collector.ResidentBytes())}");
        Checks.That(!collector.HasExited, "the collector exited: " + collector.Tail(5));
        Checks.That(dropped > 0, "a 45 s outage at a 2 s period should overflow the 16-upload queue and be counted");
        Checks.That(stored + dropped + abandoned >= elapsed.TotalSeconds / 2 * 0.6, "profiles went missing without being counted");
    }

    /// <summary>
    /// Four clients upload continuously while the agent is SIGKILLed and restarted six times. Every upload the
    /// agent acknowledged (200) must be in its store afterwards.
    /// </summary>
    public static async Task AgentKilledMidUploadAsync()
    {
        Console.WriteLine("--- agent killed mid-upload and restarted (4 uploading clients, 6 SIGKILLs) ---");
        await using var agent = await AgentProcess.StartAsync(CancellationToken.None);
        var acknowledged = new ConcurrentBag<long>();
        var failed = 0;
        long sequence = 0;
        using var stop = new CancellationTokenSource();
        var pprof = Pprof();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var exporter = new DatadogAgentExporter(agent.Url, TimeSpan.FromSeconds(5));
            while (!stop.IsCancellationRequested)
            {
                var seq = Interlocked.Increment(ref sequence);
                var now = DateTimeOffset.UtcNow;
                try
                {
                    await exporter.ExportAsync(new ProfileUpload("midupload", now.AddSeconds(-10), now,
                        new Dictionary<string, string> { ["seq"] = seq.ToString() }, [new ProfileAttachment(ProfileAttachment.DefaultName, pprof)]), CancellationToken.None);
                    acknowledged.Add(seq);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failed);
                    await Task.Delay(50);
                }
            }
        })).ToArray();
        var random = new Random(7);
        for (var kill = 0; kill < 6; kill++)
        {
            await Task.Delay(random.Next(1000, 3000));
            agent.Kill();
            await Task.Delay(300);
            await agent.RestartAsync(CancellationToken.None);
        }
        await Task.Delay(1000);
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        var stored = (await agent.LabelsAsync("midupload", CancellationToken.None)).GetValueOrDefault("seq") ?? [];
        var lost = acknowledged.Count(seq => !stored.Contains(seq.ToString()));
        Console.WriteLine($"  {sequence} uploads attempted, {acknowledged.Count} acknowledged, {failed} failed while the agent was down, {stored.Count} stored; acknowledged but lost: {lost}");
        Checks.That(lost == 0, $"{lost} acknowledged uploads are missing from the store");
    }

    private static async Task<long> ProfileCountAsync(AgentProcess agent, string application) =>
        (await agent.ApplicationsAsync(CancellationToken.None)).GetValueOrDefault(application)?.Profiles ?? 0;

    private static async Task<long> WaitForStableCountAsync(AgentProcess agent, string application, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        long last = -1;
        var stableSince = clock.Elapsed;
        while (clock.Elapsed < timeout)
        {
            var count = await ProfileCountAsync(agent, application);
            if (count != last)
            {
                (last, stableSince) = (count, clock.Elapsed);
            }
            else if (clock.Elapsed - stableSince > TimeSpan.FromSeconds(5) && clock.Elapsed > TimeSpan.FromSeconds(8))
            {
                break;
            }
            await Task.Delay(500);
        }
        return last;
    }

    private static byte[] Pprof()
    {
        var profile = new Profile { TimeNanos = 1, DurationNanos = 10_000_000_000 };
        profile.StringTable.Add(["", "wall", "nanoseconds", "Chaos.Main"]);
        profile.SampleType.Add(new Profiling.Pprof.ValueType { Type = 1, Unit = 2 });
        profile.Function.Add(new Function { Id = 1, Name = 3 });
        var location = new Location { Id = 1 };
        location.Line.Add(new Line { FunctionId = 1 });
        profile.Location.Add(location);
        var sample = new Sample();
        sample.LocationId.Add(1);
        sample.Value.Add(1_000_000);
        profile.Sample.Add(sample);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }
        return output.ToArray();
    }
}

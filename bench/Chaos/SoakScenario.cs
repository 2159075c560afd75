using System.Diagnostics;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Bench.Chaos;

/// <summary>
/// A long run of the target app under the local-mode collector (the shipped Native AOT binary) uploading to the agent: target and collector RSS
/// sampled every 5 s and, after a warm-up, compared between the first and the last fifth of the run; the target must not crash.
/// </summary>
internal static class SoakScenario
{
    public static async Task SoakAsync(TimeSpan duration)
    {
        Console.WriteLine($"--- soak: target app under the collector for {duration.TotalMinutes:F1} min (period 10s) ---");
        await using var agent = await AgentProcess.StartAsync(CancellationToken.None);
        using var target = ChildProcess.Start("Flamewatch.TestKit.TargetApp.dll", ["hot", "sleep", "alloc"], new Dictionary<string, string> { ["DOTNET_EventPipeThreadSamplingRate"] = "A" });
        await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        using var collector = ChildProcess.StartProgram(await NativeCollector.ExecutableAsync(),
            ["profile", "--pid", target.Id.ToString(), "--agent", agent.Url, "--period", "10s", "--application-name", "soak"]);
        await collector.WaitForLineAsync("Profiling process", TimeSpan.FromSeconds(60));
        var samples = new List<(TimeSpan At, long Target, long Collector, int CollectorFds)>();
        var reportEvery = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, duration.Ticks / 6));
        var nextReport = reportEvery;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && !target.HasExited && !collector.HasExited)
        {
            samples.Add((clock.Elapsed, target.ResidentBytes(), collector.ResidentBytes(), collector.LeakableFileDescriptors()));
            if (clock.Elapsed >= nextReport)
            {
                var now = samples[^1];
                Console.WriteLine($"  {now.At.TotalMinutes,5:F1} min: target RSS {ProcessReadings.MiB(now.Target)}, collector RSS {ProcessReadings.MiB(now.Collector)}, collector fds {now.CollectorFds}");
                nextReport += reportEvery;
            }
            await Task.Delay(TimeSpan.FromSeconds(5));
        }
        var profiles = (await agent.ApplicationsAsync(CancellationToken.None)).GetValueOrDefault("soak")?.Profiles ?? 0;
        // Both processes warm up (the target's retained ring fills, GC budgets and the collector's caches settle):
        // stability is judged after that, between the first and the last fifth of the rest of the run.
        var warmUp = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(2).Ticks, duration.Ticks / 3));
        var settled = samples.Where(s => s.At >= warmUp).ToList();
        settled = settled.Count >= 2 ? settled : samples;
        var fifth = Math.Max(1, settled.Count / 5);
        var (first, last) = (settled.Take(fifth).ToList(), settled.TakeLast(fifth).ToList());
        Console.WriteLine($"  after a {warmUp.TotalSeconds:F0} s warm-up (target RSS {ProcessReadings.MiB(samples[0].Target)} → {ProcessReadings.MiB(settled[0].Target)}, collector {ProcessReadings.MiB(samples[0].Collector)} → {ProcessReadings.MiB(settled[0].Collector)}):");
        Console.WriteLine($"  {clock.Elapsed.TotalMinutes:F1} min, {profiles} profiles stored; target alive: {!target.HasExited}, collector alive: {!collector.HasExited}");
        Console.WriteLine($"  target RSS: first fifth avg {ProcessReadings.MiB((long)first.Average(s => s.Target))}, last fifth avg {ProcessReadings.MiB((long)last.Average(s => s.Target))}, max {ProcessReadings.MiB(samples.Max(s => s.Target))}");
        Console.WriteLine($"  collector RSS: first fifth avg {ProcessReadings.MiB((long)first.Average(s => s.Collector))}, last fifth avg {ProcessReadings.MiB((long)last.Average(s => s.Collector))}, max {ProcessReadings.MiB(samples.Max(s => s.Collector))}; collector fds (loaded assemblies aside) {settled[0].CollectorFds} → {samples[^1].CollectorFds}");
        Checks.That(!target.HasExited, "the target crashed");
        Checks.That(!collector.HasExited, "the collector exited: " + string.Join(" | ", collector.Lines.TakeLast(5)));
        Checks.That(last.Average(s => s.Collector) < (first.Average(s => s.Collector) * 1.5) + (32 * 1048576), "collector RSS grew");
        Checks.That(last.Average(s => s.Target) < (first.Average(s => s.Target) * 1.25) + (32 * 1048576), "target RSS grew under the collector");
        Checks.That(samples[^1].CollectorFds <= settled[0].CollectorFds + 8, "the collector leaks file descriptors");
        // One profile per 10 s period; the first comes a period after attach, allow a few for a loaded machine.
        var expected = (int)(clock.Elapsed.TotalSeconds / 10);
        Checks.That(profiles >= expected * 0.9 - 2, $"{profiles} profiles stored, about {expected} expected");
    }
}

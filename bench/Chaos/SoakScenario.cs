using System.Diagnostics;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Bench.Chaos;

/// <summary>
/// A long run of the target app under the local-mode collector uploading to the agent: target and collector RSS
/// sampled every 5 s, compared between the first and the last fifth of the run; the target must not crash.
/// </summary>
internal static class SoakScenario
{
    public static async Task SoakAsync(TimeSpan duration)
    {
        Console.WriteLine($"--- soak: target app under the collector for {duration.TotalMinutes:F1} min (period 10s) ---");
        await using var agent = await AgentProcess.StartAsync(CancellationToken.None);
        using var target = ChildProcess.Start("Flamewatch.TestKit.TargetApp.dll", ["hot", "sleep", "alloc"], new Dictionary<string, string> { ["DOTNET_EventPipeThreadSamplingRate"] = "A" });
        await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
        using var collector = ChildProcess.Start("flamewatch-collector.dll",
            ["profile", "--pid", target.Id.ToString(), "--agent", agent.Url, "--period", "10s", "--application-name", "soak"]);
        await collector.WaitForLineAsync("Profiling process", TimeSpan.FromSeconds(60));
        var samples = new List<(TimeSpan At, long Target, long Collector, int CollectorFds)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && !target.HasExited && !collector.HasExited)
        {
            samples.Add((clock.Elapsed, target.ResidentBytes(), collector.ResidentBytes(), collector.OpenFileDescriptors()));
            await Task.Delay(TimeSpan.FromSeconds(5));
        }
        var profiles = (await agent.ApplicationsAsync(CancellationToken.None)).GetValueOrDefault("soak")?.Profiles ?? 0;
        var fifth = Math.Max(1, samples.Count / 5);
        var (first, last) = (samples.Take(fifth).ToList(), samples.TakeLast(fifth).ToList());
        Console.WriteLine($"  {clock.Elapsed.TotalMinutes:F1} min, {profiles} profiles stored; target alive: {!target.HasExited}, collector alive: {!collector.HasExited}");
        Console.WriteLine($"  target RSS: first fifth avg {ProcessReadings.MiB((long)first.Average(s => s.Target))}, last fifth avg {ProcessReadings.MiB((long)last.Average(s => s.Target))}, max {ProcessReadings.MiB(samples.Max(s => s.Target))}");
        Console.WriteLine($"  collector RSS: first fifth avg {ProcessReadings.MiB((long)first.Average(s => s.Collector))}, last fifth avg {ProcessReadings.MiB((long)last.Average(s => s.Collector))}, max {ProcessReadings.MiB(samples.Max(s => s.Collector))}; collector fds {samples[0].CollectorFds} → {samples[^1].CollectorFds}");
        Checks.That(!target.HasExited, "the target crashed");
        Checks.That(!collector.HasExited, "the collector exited: " + string.Join(" | ", collector.Lines.TakeLast(5)));
        Checks.That(last.Average(s => s.Collector) < first.Average(s => s.Collector) * 1.5 + 32 * 1048576, "collector RSS grew");
    }
}

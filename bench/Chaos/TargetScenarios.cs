using System.Diagnostics;
using Flamewatch.Profiling;
using Flamewatch.Profiling.Export;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Bench.Chaos;

/// <summary>Targets killed, restarted and stopped in a loop while profiled by <see cref="ProfilingSession"/> in this process.</summary>
internal static class TargetScenarios
{
    public static async Task TargetCyclesAsync(int cycles)
    {
        Console.WriteLine($"--- {cycles} target cycles: start, attach, profile, then SIGKILL the target (every third: stop the session first) ---");
        var exporter = new CountingExporter();
        var ends = new Dictionary<SessionEnd, int>();
        var self = Environment.ProcessId;
        long baselineRss = 0;
        var baselineFd = 0;
        var random = new Random(11);
        var clock = Stopwatch.StartNew();
        const int Warmup = 5;
        var baselineKinds = new Dictionary<string, int>();
        var series = new List<(int Cycle, long Rss, long Managed, int Fds)>();
        for (var cycle = 0; cycle < cycles + Warmup; cycle++)
        {
            if (cycle == Warmup)
            {
                Settle();
                (baselineRss, baselineFd) = (ProcessReadings.ResidentBytes(self), ProcessReadings.LeakableFileDescriptors(self));
                baselineKinds = ProcessReadings.FileDescriptorKinds(self);
                clock.Restart();
            }
            if (cycle > Warmup && (cycle - Warmup) % 50 == 0)
            {
                Settle();
                series.Add((cycle - Warmup, ProcessReadings.ResidentBytes(self), GC.GetTotalMemory(forceFullCollection: true), ProcessReadings.LeakableFileDescriptors(self)));
            }
            using var target = ChildProcess.Start("Flamewatch.TestKit.TargetApp.dll", ["hot", "sleep", "alloc"], new Dictionary<string, string> { ["DOTNET_EventPipeThreadSamplingRate"] = "A" });
            await target.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));
            var options = new ProfilingOptions { Period = TimeSpan.FromSeconds(1), ApplicationName = "cycles" };
            await using var session = new ProfilingSession(target.Id, options, exporter);
            var attach = await session.StartAsync(CancellationToken.None);
            Checks.That(attach.Succeeded, $"cycle {cycle}: attach failed: {attach.Message}");
            await Task.Delay(random.Next(200, 1500));
            SessionResult result;
            if (cycle % 3 == 2)
            {
                result = await session.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
                target.Kill();
            }
            else
            {
                target.Kill();
                result = await session.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            }
            if (cycle >= Warmup)
            {
                ends[result.End] = ends.GetValueOrDefault(result.End) + 1;
                if (result.End is not (SessionEnd.Stopped or SessionEnd.ProcessExited))
                {
                    Console.WriteLine($"  cycle {cycle - Warmup}: {result.End}: {result.Message}");
                }
            }
        }
        var elapsed = clock.Elapsed;
        Settle();
        var (rss, fd) = (ProcessReadings.ResidentBytes(self), ProcessReadings.LeakableFileDescriptors(self));
        Console.WriteLine($"  {cycles} cycles in {elapsed.TotalSeconds:F0}s; session ends: {string.Join(", ", ends.Select(e => $"{e.Key}×{e.Value}"))}; {exporter.Count} profiles exported");
        series.Add((cycles, rss, GC.GetTotalMemory(forceFullCollection: true), fd));
        Console.WriteLine($"  harness RSS {ProcessReadings.MiB(baselineRss)} after {Warmup} warm-up cycles, {ProcessReadings.MiB(rss)} after; fds (loaded assemblies aside) {baselineFd} → {fd}; changes in all descriptors: ({ProcessReadings.Difference(baselineKinds, ProcessReadings.FileDescriptorKinds(self))})");
        Console.WriteLine("  every 50 cycles (cycle: RSS / managed heap / fds apart from assemblies): " + string.Join(", ", series.Select(p => $"{p.Cycle}: {ProcessReadings.MiB(p.Rss)} / {ProcessReadings.MiB(p.Managed)} / {p.Fds}")));
        if (series.Count >= 3)
        {
            // After the first 50 cycles the harness has reached its working set: later cycles must not keep adding to it.
            var (early, late) = (series[0], series[^1]);
            Checks.That(late.Managed < early.Managed + (8L * 1024 * 1024), $"managed heap keeps growing with cycles: {ProcessReadings.MiB(early.Managed)} at cycle {early.Cycle} → {ProcessReadings.MiB(late.Managed)}");
            Checks.That(late.Rss < early.Rss + (48L * 1024 * 1024), $"RSS keeps growing with cycles: {ProcessReadings.MiB(early.Rss)} at cycle {early.Cycle} → {ProcessReadings.MiB(late.Rss)}");
        }
        Checks.That(ends.Values.Sum() == cycles, "not every session ended");
        Checks.That(ends.GetValueOrDefault(SessionEnd.Faulted) + ends.GetValueOrDefault(SessionEnd.AttachFailed) == 0, "a killed or stopped target was reported as a fault");
        Checks.That(fd <= baselineFd + 8, $"file descriptors leaked: {baselineFd} → {fd}");
        Checks.That(rss < baselineRss + 96L * 1024 * 1024, $"harness memory grew: {ProcessReadings.MiB(baselineRss)} → {ProcessReadings.MiB(rss)}");
    }

    private static void Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Thread.Sleep(500);
    }

    private sealed class CountingExporter : IProfileExporter
    {
        private int _count;

        public int Count => _count;

        public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }
    }
}

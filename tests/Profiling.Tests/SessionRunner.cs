using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Pprof;

namespace Flamewatch.Profiling.Tests;

/// <summary>Runs a session until it has built a number of periods; returns their statistics and profiles.</summary>
internal static class SessionRunner
{
    public static async Task<IReadOnlyList<(PeriodStatistics Statistics, Profile Profile)>> ProfileAsync(
        int pid, ProfilingOptions options, int periods = 1, CapturingExporter? exporter = null)
    {
        var completed = new List<(PeriodStatistics, Profile)>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var session = new ProfilingSession(pid, options, exporter ?? new CapturingExporter());
        session.PeriodCompleted += (statistics, profile) =>
        {
            lock (completed)
            {
                completed.Add((statistics, profile));
                if (completed.Count >= periods)
                {
                    enough.TrySetResult();
                }
            }
        };
        using var timeout = new CancellationTokenSource((options.Period * periods) + TimeSpan.FromSeconds(60));
        var attach = await session.StartAsync(timeout.Token);
        Assert.Equal(AttachOutcome.Attached, attach.Outcome);
        await enough.Task.WaitAsync(timeout.Token);
        await session.StopAsync(timeout.Token);
        lock (completed)
        {
            return [.. completed.Take(periods)];
        }
    }
}

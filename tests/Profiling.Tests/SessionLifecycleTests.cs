using System.Diagnostics;
using Flamewatch.Profiling.Attach;
using Flamewatch.TestKit.Timing;

namespace Flamewatch.Profiling.Tests;

public sealed class SessionLifecycleTests(DefaultRateTarget target) : IClassFixture<DefaultRateTarget>
{
    private static readonly ProfilingOptions ShortPeriods = new() { Period = TimeSpan.FromSeconds(2), FrequencyHz = 100 };

    [Fact]
    public async Task A_killed_target_ends_its_session_while_other_sessions_keep_running()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var victim = await TargetProcess.StartAsync(null, "sleep");
        var victimExporter = new CapturingExporter();
        await using var doomed = new ProfilingSession(victim.Pid, ShortPeriods, victimExporter);
        await using var survivor = new ProfilingSession(target.Process.Pid, ShortPeriods, new CapturingExporter());
        var survivorPeriods = 0;
        var doomedPeriods = 0;
        survivor.PeriodCompleted += (_, _) => Interlocked.Increment(ref survivorPeriods);
        doomed.PeriodCompleted += (_, _) => Interlocked.Increment(ref doomedPeriods);
        Assert.True((await doomed.StartAsync(timeout.Token)).Succeeded);
        Assert.True((await survivor.StartAsync(timeout.Token)).Succeeded);

        // The doomed session has profiled a whole period before its target is killed.
        await Eventually.UntilAsync(() => Volatile.Read(ref doomedPeriods) >= 1, timeout.Token);
        victim.Kill();
        var ended = await doomed.Completion.WaitAsync(timeout.Token);
        Assert.Equal(SessionEnd.ProcessExited, ended.End);
        Assert.Contains("exited", ended.Message, StringComparison.Ordinal);
        Assert.Equal(SessionState.Stopped, doomed.State);
        Assert.NotEmpty(victimExporter.Uploads);

        var before = Volatile.Read(ref survivorPeriods);
        await Eventually.UntilAsync(() => Volatile.Read(ref survivorPeriods) > before, timeout.Token);
        Assert.Equal(SessionState.Running, survivor.State);
        var stopped = await survivor.StopAsync(timeout.Token);
        Assert.Equal(SessionEnd.Stopped, stopped.End);
    }

    [Fact]
    public async Task Start_and_stop_are_idempotent()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var session = new ProfilingSession(target.Process.Pid, ShortPeriods, new CapturingExporter());
        Assert.Equal(SessionState.Unstarted, session.State);
        var first = await session.StartAsync(timeout.Token);
        var second = await session.StartAsync(timeout.Token);
        Assert.Same(first, second);
        Assert.Equal(SessionState.Running, session.State);
        var stopped = await session.StopAsync(timeout.Token);
        var again = await session.StopAsync(timeout.Token);
        Assert.Same(stopped, again);
        Assert.Equal(SessionState.Stopped, session.State);
    }

    [Fact]
    public async Task A_session_holds_its_target_s_socket_while_it_runs_and_lets_it_go_when_it_stops()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var session = new ProfilingSession(target.Process.Pid, ShortPeriods, new CapturingExporter());
        Assert.True((await session.StartAsync(timeout.Token)).Succeeded);
        var held = DescriptorsOfSocket(target.Process.Pid);

        await session.StopAsync(timeout.Token);

        Assert.Equal(1, held);
        Assert.Equal(0, DescriptorsOfSocket(target.Process.Pid));
    }

    [Fact]
    public async Task A_missing_process_is_reported_as_not_found()
    {
        var result = await StartAsync(int.MaxValue - 7);
        Assert.Equal(AttachOutcome.ProcessNotFound, result.Attach);
        Assert.Contains("No process", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_without_dotnet_is_reported_as_not_dotnet()
    {
        using var sleep = Process.Start("sleep", "60");
        try
        {
            var result = await StartAsync(sleep.Id);
            Assert.Equal(AttachOutcome.NotDotNet, result.Attach);
            Assert.Contains("not a .NET process", result.Message, StringComparison.Ordinal);
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public async Task A_process_with_diagnostics_disabled_is_reported_as_such()
    {
        using var disabled = await TargetProcess.StartAsync(new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" }, "sleep");
        var result = await StartAsync(disabled.Pid);
        Assert.Equal(AttachOutcome.DiagnosticsDisabled, result.Attach);
        Assert.Contains("DOTNET_EnableDiagnostics=0", result.Message, StringComparison.Ordinal);
    }

    /// <summary>This process's descriptors that hold the diagnostic socket of <paramref name="pid"/> (connections are not counted).</summary>
    private static int DescriptorsOfSocket(int pid)
    {
        var name = $"/dotnet-diagnostic-{pid}-";
        return new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Count(fd => fd.LinkTarget?.Contains(name, StringComparison.Ordinal) == true);
    }

    private static async Task<SessionResult> StartAsync(int pid)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var session = new ProfilingSession(pid, ShortPeriods, new CapturingExporter());
        var attach = await session.StartAsync(timeout.Token);
        Assert.False(attach.Succeeded);
        Assert.Equal(SessionState.Aborted, session.State);
        var result = await session.Completion.WaitAsync(timeout.Token);
        Assert.Equal(SessionEnd.AttachFailed, result.End);
        Assert.Equal(attach.Outcome, result.Attach);
        return result;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Flamewatch.TestKit.Processes;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Flamewatch.ProfilerTests;

/// <summary>Start/Stop semantics of a Profiler running in this very process.</summary>
public sealed class LifecycleTests(AgentFixture fixture, ITestOutputHelper output) : IClassFixture<AgentFixture>
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Start_stop_cycles_each_upload_their_partial_period()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var (agent, application) = (fixture.Agent, "cycles-" + Guid.NewGuid().ToString("N")[..8]);
        await using var profiler = new Profiler(applicationName: application, period: Period, uploadTimeout: TimeSpan.FromSeconds(5), agentAddress: agent.Url);

        for (var cycle = 1; cycle <= 3; cycle++)
        {
            // Callers on several threads at once: one session starts, one stops.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(profiler.Start, timeout.Token)));
            Spin(TimeSpan.FromSeconds(1.5));
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(profiler.Stop, timeout.Token)));
            profiler.Stop();
            Assert.Equal(cycle, profiler.Statistics.UploadsSucceeded);
        }

        var statistics = profiler.Statistics;
        Assert.Equal(3, statistics.ProfilesCollected);
        Assert.Equal(0, statistics.UploadsFailed);
        Assert.Equal(0, statistics.ProfilesDropped);
        var listed = (await agent.ApplicationsAsync(timeout.Token))[application];
        Assert.Equal(3, listed.Profiles);
        var cpu = await agent.FlameGraphAsync(application, "type=cpu-time/nanoseconds", timeout.Token);
        Assert.True(FlameGraph.Inclusive(cpu.GetProperty("root"), $"{typeof(LifecycleTests).FullName}.{nameof(Spin)}") > 0,
            "the test's busy method shows up in the profiles of its own process");
    }

    [Fact]
    public async Task An_agent_that_requires_a_token_stores_the_profiles_of_a_profiler_that_sends_it_and_refuses_the_others()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var agent = await AgentProcess.StartAsync(timeout.Token, ["--token", "s3cret-upload-token"]);
        var (withToken, withoutToken) = ("token-" + Guid.NewGuid().ToString("N")[..8], "no-token-" + Guid.NewGuid().ToString("N")[..8]);
        var options = (string application, string? token) => new ProfilerOptions
        {
            ApplicationName = application,
            AgentAddress = agent.Url,
            AgentToken = token,
            Period = Period,
            UploadTimeout = TimeSpan.FromSeconds(3),
        };

        await using (var profiler = new Profiler(options(withToken, "s3cret-upload-token")))
        {
            profiler.Start();
            Spin(TimeSpan.FromSeconds(1.5));
            profiler.Stop();
            Assert.Equal(1, profiler.Statistics.UploadsSucceeded);
        }
        await using (var profiler = new Profiler(options(withoutToken, null)))
        {
            profiler.Start();
            Spin(TimeSpan.FromSeconds(1.5));
            profiler.Stop();
            Assert.Equal(0, profiler.Statistics.UploadsSucceeded);
            Assert.True(profiler.Statistics.UploadsFailed + profiler.Statistics.ProfilesDropped >= 1, "the refused upload is counted");
        }

        var applications = await agent.ApplicationsAsync(timeout.Token);
        Assert.Equal(1, applications[withToken].Profiles);
        Assert.False(applications.ContainsKey(withoutToken));
    }

    [Fact]
    public async Task Profiles_are_uploaded_every_period_while_running()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var (agent, application) = (fixture.Agent, "periodic-" + Guid.NewGuid().ToString("N")[..8]);
        await using var profiler = new Profiler(applicationName: application, period: Period, uploadTimeout: TimeSpan.FromSeconds(5), agentAddress: agent.Url);
        profiler.Start();
        var started = Stopwatch.StartNew();
        while (profiler.Statistics.UploadsSucceeded == 0)
        {
            await Task.Delay(200, timeout.Token);
        }
        // The first upload comes with the end of the first period, not before.
        Assert.InRange(started.Elapsed, Period * 0.8, Period * 3);
        Spin(TimeSpan.FromSeconds(1.5));
        profiler.Stop();
        Assert.Equal(2, profiler.Statistics.UploadsSucceeded);
        Assert.Equal(2, (await agent.ApplicationsAsync(timeout.Token))[application].Profiles);
    }

    [Fact]
    public async Task Stop_with_the_agent_down_returns_at_once_and_counts_the_loss()
    {
        var uploadTimeout = TimeSpan.FromSeconds(3);
        var logs = new CapturingLoggerFactory();
        await using var profiler = new Profiler(applicationName: "agent-down", period: Period, uploadTimeout: uploadTimeout,
            agentAddress: $"http://127.0.0.1:{Loopback.FreePort()}", loggerFactory: logs);
        profiler.Start();
        Spin(TimeSpan.FromSeconds(1.5));
        var stopping = Stopwatch.StartNew();
        await profiler.StopAsync();
        output.WriteLine($"Stop with the agent down took {stopping.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(stopping.Elapsed < uploadTimeout + TimeSpan.FromSeconds(1), $"Stop took {stopping.Elapsed}");

        var statistics = profiler.Statistics;
        Assert.Equal(1, statistics.ProfilesCollected);
        Assert.Equal(0, statistics.UploadsSucceeded);
        Assert.True(statistics.UploadsFailed >= 1);
        Assert.Equal(1, statistics.ProfilesDropped);
        Assert.Contains("127.0.0.1", statistics.LastError, StringComparison.Ordinal);
        var warning = Assert.Single(logs.Entries, e => e.EventId.Name == "FinalUploadFailed");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("127.0.0.1", warning.Message, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.EventId.Name == "Started" && e.Message.Contains("agent-down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_with_a_period_waiting_for_a_retry_and_the_agent_down_returns_within_the_upload_timeout()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var uploadTimeout = TimeSpan.FromSeconds(3);
        await using var profiler = new Profiler(applicationName: "agent-down-queued", period: Period, uploadTimeout: uploadTimeout,
            agentAddress: $"http://127.0.0.1:{Loopback.FreePort()}");
        profiler.Start();
        // The first period's upload fails and waits in the retry queue (backoff 1 s doubling); the next period runs long
        // enough to be uploaded at Stop.
        while (profiler.Statistics.UploadsFailed == 0)
        {
            await Task.Delay(200, timeout.Token);
        }
        Spin(TimeSpan.FromSeconds(1.5));
        var stopping = Stopwatch.StartNew();
        await profiler.StopAsync(timeout.Token);
        output.WriteLine($"Stop with a period queued for retry and the agent down took {stopping.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(stopping.Elapsed < uploadTimeout + TimeSpan.FromSeconds(1.5), $"Stop took {stopping.Elapsed}");

        // Both the queued period and the partial one are counted as dropped, each once.
        var statistics = profiler.Statistics;
        Assert.Equal(2, statistics.ProfilesCollected);
        Assert.Equal(0, statistics.UploadsSucceeded);
        Assert.Equal(2, statistics.ProfilesDropped);
    }

    [Fact]
    public async Task Stop_with_an_agent_that_never_answers_returns_within_the_upload_timeout()
    {
        var uploadTimeout = TimeSpan.FromSeconds(3);
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        using var cancel = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!cancel.IsCancellationRequested)
            {
                accepted.Add(await silent.AcceptSocketAsync(cancel.Token));
            }
        });
        try
        {
            await using var profiler = new Profiler(applicationName: "agent-silent", period: Period, uploadTimeout: uploadTimeout,
                agentAddress: $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
            profiler.Start();
            Spin(TimeSpan.FromSeconds(1.5));
            var stopping = Stopwatch.StartNew();
            profiler.Stop();
            output.WriteLine($"Stop with a silent agent and a {uploadTimeout.TotalSeconds} s upload timeout took {stopping.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(stopping.Elapsed < uploadTimeout + TimeSpan.FromSeconds(1.5), $"Stop took {stopping.Elapsed}");
            Assert.Equal(0, profiler.Statistics.UploadsSucceeded);
            Assert.Equal(1, profiler.Statistics.ProfilesDropped);
        }
        finally
        {
            await cancel.CancelAsync();
            await Task.WhenAny(accepting);
            accepted.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Disposal_without_start_does_nothing_and_the_disposed_profiler_cannot_start()
    {
        var profiler = new Profiler(applicationName: "never-started", period: Period, uploadTimeout: TimeSpan.FromSeconds(1));
        profiler.Stop();
        profiler.Dispose();
        profiler.Dispose();
        await profiler.DisposeAsync();
        profiler.Stop();
        Assert.Throws<ObjectDisposedException>(profiler.Start);
        Assert.Equal(new ProfilerStatistics(0, 0, 0, 0, 0, 0, null), profiler.Statistics);

        await using var asyncOnly = new Profiler(applicationName: "never-started", period: Period, uploadTimeout: TimeSpan.FromSeconds(1));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Spin(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var state = 1u;
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 100_000; i++)
            {
                state = (state * 1664525) + 1013904223;
            }
        }
        GC.KeepAlive(state);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Flamewatch.TestKit.Processes;
using Xunit.Abstractions;

namespace Flamewatch.NodeCollector.Tests.Local;

/// <summary><c>flamewatch-collector profile --pid N --agent URL</c> as a user runs it, against the real agent process.</summary>
public sealed class ProfileCommandTests(ITestOutputHelper output)
{
    private const int Sigint = 2;

    [Fact]
    public async Task Ctrl_C_mid_period_uploads_the_partial_period_before_exiting()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var agent = await AgentProcess.StartAsync(timeout.Token);
        var application = "ctrl-c-" + Guid.NewGuid().ToString("N")[..8];
        var (exitCode, elapsed, _, log) = await InterruptMidPeriodAsync(["--agent", agent.Address.ToString().TrimEnd('/'), "--application-name", application],
            async () => Assert.Equal(0, await agent.ProfileCountAsync(application, null, timeout.Token)), timeout.Token);
        output.WriteLine($"the collector exited {elapsed.TotalMilliseconds:F0} ms after SIGINT with code {exitCode}\n{log}");

        Assert.True(exitCode == 0, $"exit code {exitCode}: {log}");
        Assert.Equal(1, await agent.ProfileCountAsync(application, null, timeout.Token));
        // The stored profile covers the few seconds profiled, not a whole period.
        using var applications = JsonDocument.Parse(await agent.Client.GetStringAsync("api/applications", timeout.Token));
        var stored = applications.RootElement.EnumerateArray().Single(a => a.GetProperty("name").GetString() == application);
        var covered = stored.GetProperty("to").GetDateTimeOffset() - stored.GetProperty("from").GetDateTimeOffset();
        Assert.InRange(covered, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Ctrl_C_with_the_agent_down_exits_within_the_upload_timeout_and_says_what_was_lost()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var port = Loopback.FreePort();
        var uploadTimeout = TimeSpan.FromSeconds(3);
        var (exitCode, elapsed, _, log) = await InterruptMidPeriodAsync(
            ["--agent", $"http://127.0.0.1:{port}", "--upload-timeout", $"{uploadTimeout.TotalSeconds}s", "--application-name", "agent-down"],
            () => Task.CompletedTask, timeout.Token);
        output.WriteLine($"the collector exited {elapsed.TotalMilliseconds:F0} ms after SIGINT with code {exitCode}\n{log}");

        Assert.True(exitCode == 0, $"exit code {exitCode}: {log}");
        // Stopping the session takes a moment of its own (rundown, symbols); retrying is bounded by the upload timeout.
        Assert.True(elapsed < uploadTimeout + TimeSpan.FromSeconds(5), $"exited {elapsed} after SIGINT");
        Assert.Contains("abandoned", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_mid_period_writes_the_partial_period_to_the_output_directory()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var directory = Directory.CreateTempSubdirectory("fw-ctrl-c-").FullName;
        try
        {
            var (exitCode, _, stdout, log) = await InterruptMidPeriodAsync(["--output", directory + "/", "--duration", "10m"],
                () => Task.CompletedTask, timeout.Token);

            Assert.True(exitCode == 0, $"exit code {exitCode}: {log}");
            var written = Assert.Single(Directory.GetFiles(directory, "*.pb.gz"));
            Assert.Equal(written, stdout.Trim());
            Assert.True(new FileInfo(written).Length > 100, "an empty profile");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Runs <c>flamewatch-collector profile</c> (with <paramref name="destination"/>: <c>--agent …</c> or <c>--output …</c>) on a
    /// .NET target with a period far longer than the test (so the only profile can be the partial one flushed
    /// at Ctrl-C), sends SIGINT after a few seconds of profiling (first running <paramref name="beforeInterrupt"/>), and
    /// returns the exit code, the time from SIGINT to exit, stdout and stderr.
    /// </summary>
    private static async Task<(int ExitCode, TimeSpan Elapsed, string Stdout, string Log)> InterruptMidPeriodAsync(
        IEnumerable<string> destination, Func<Task> beforeInterrupt, CancellationToken cancellationToken)
    {
        // Its sampler runs at the configured 100 Hz, so the collector samples continuously: samples from the first second
        // on (duty-cycled sampling could place its first slice after the interrupt).
        using var target = StartDotnet([Path.Combine(AppContext.BaseDirectory, "Flamewatch.TestKit.Sleeper.dll")], redirectInput: true,
            environment: new Dictionary<string, string> { ["DOTNET_EventPipeThreadSamplingRate"] = "A" });
        try
        {
            Assert.Equal("ready", await target.StandardOutput.ReadLineAsync(cancellationToken));
            using var collector = StartDotnet([Path.Combine(AppContext.BaseDirectory, "flamewatch-collector.dll"), "profile",
                "--pid", target.Id.ToString(), "--period", "10m", "--profile-types", "cpu,wall", .. destination]);
            var stderr = new StringBuilder();
            var profiling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            collector.ErrorDataReceived += (_, e) =>
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
                if (e.Data?.StartsWith("Profiling process", StringComparison.Ordinal) == true)
                {
                    profiling.TrySetResult();
                }
            };
            collector.BeginErrorReadLine();
            var stdout = collector.StandardOutput.ReadToEndAsync(cancellationToken);
            try
            {
                await profiling.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                await beforeInterrupt();

                var interrupted = Stopwatch.StartNew();
                Assert.Equal(0, kill(collector.Id, Sigint));
                await collector.WaitForExitAsync(cancellationToken);
                var elapsed = interrupted.Elapsed;
                var written = await stdout;
                lock (stderr)
                {
                    return (collector.ExitCode, elapsed, written, stderr.ToString());
                }
            }
            finally
            {
                Kill(collector);
            }
        }
        finally
        {
            Kill(target);
        }
    }

    private static Process StartDotnet(IEnumerable<string> arguments, bool redirectInput = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        // Through `env --default-signal=INT`, which then execs dotnet (same PID): a test run started in the background of
        // a non-interactive shell inherits SIGINT as ignored, and an ignored SIGINT stays ignored across exec, so the
        // collector would never see the Ctrl-C this test sends. A terminal's Ctrl-C reaches it with the default disposition.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Remove("DOTNET_EventPipeThreadSamplingRate");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}

using Flamewatch.Profiling.Attach;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Profiling.Tests;

/// <summary>
/// A process whose runtime says it is older than .NET 8 (a fake diagnostic server answering the process-info
/// command as .NET 7 does) is refused with a message that names its version, by the session and by the local CLI.
/// </summary>
public sealed class UnsupportedRuntimeTests
{
    [Fact]
    public async Task A_runtime_older_than_net8_is_refused_with_its_version_named()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var fake = await FakeDiagnosticServer.StartAsync([], runtimeVersion: "7.0.20+a1b2c3");
        await using var session = new ProfilingSession(fake.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(2) }, new CapturingExporter());

        var attach = await session.StartAsync(timeout.Token);

        Assert.Equal(AttachOutcome.UnsupportedRuntime, attach.Outcome);
        Assert.Contains(".NET 7.0.20", attach.Message, StringComparison.Ordinal);
        Assert.Contains(".NET 8 and later", attach.Message, StringComparison.Ordinal);
        Assert.Equal(0, fake.TracingRequests);
        var ended = await session.Completion.WaitAsync(timeout.Token);
        Assert.Equal(SessionEnd.AttachFailed, ended.End);

        var (exitCode, stdout, stderr) = await CollectorCli.RunCollectorAsync("profile", "--pid", fake.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--duration", "2s", "--output", Path.Combine(Path.GetTempPath(), $"flamewatch-old-{Guid.NewGuid():N}.pb.gz"));
        Assert.NotEqual(0, exitCode);
        var error = stderr.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(error, line => line.Contains(".NET 7.0.20", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }
}

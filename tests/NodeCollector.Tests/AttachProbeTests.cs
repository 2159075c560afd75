using System.Net.Sockets;
using Flamewatch.NodeCollector.Discovery;

namespace Flamewatch.NodeCollector.Tests;

/// <summary>Attach outcomes that need no namespaces: a silent socket, a missing process, a process without a socket.</summary>
public sealed class AttachProbeTests : IDisposable
{
    // Above the kernel's PID limit (4194304), so the diagnostics client's own /proc lookup never finds a real process.
    private const int FakePid = 9_000_001;

    private readonly FakeProcTree _tree = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private readonly AttachProbe _probe;

    public AttachProbeTests()
    {
        _tree.AddProcess(FakePid, 1000, "0::/\n");
        _probe = new AttachProbe(new ProcFs(_tree.Root), TimeProvider.System);
    }

    public void Dispose()
    {
        _timeout.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public async Task A_runtime_that_never_answers_times_out()
    {
        var socketPath = Path.Combine(_tree.ProcessRoot(FakePid), "tmp", "dotnet-diagnostic-1-1000-socket");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(); // accepts the connection in the backlog, never replies

        var result = await ProbeAsync(FakePid, 2);

        Assert.Equal(AttachOutcome.Timeout, result.Outcome);
        Assert.Contains("2 s", result.Detail);
    }

    [Fact]
    public async Task A_process_without_a_socket_has_no_diagnostic_socket()
    {
        var result = await ProbeAsync(FakePid, 5);

        Assert.Equal(AttachOutcome.NoDiagnosticSocket, result.Outcome);
        Assert.Contains("dotnet-diagnostic-1-*-socket in /tmp", result.Detail);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_fails_with_the_reason()
    {
        _tree.AddSocket(FakePid, 1000); // a plain file where a socket should be

        var result = await ProbeAsync(FakePid, 10);

        Assert.Equal(AttachOutcome.Failed, result.Outcome);
        Assert.Contains("by socket:", result.Detail);
    }

    [Fact]
    public async Task A_missing_process_or_a_reused_PID_has_exited()
    {
        _tree.AddSocket(FakePid, 1000);

        var missing = await ProbeAsync(FakePid + 1, 5);
        var reused = await ProbeAsync(FakePid, 5, expectedStartTime: 999);

        Assert.Equal(AttachOutcome.Exited, missing.Outcome);
        Assert.Equal(AttachOutcome.Exited, reused.Outcome);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_a_timeout()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _probe.ProbeAsync(FakePid, TimeSpan.FromSeconds(5), null, cancelled.Token));
    }

    private Task<AttachProbeResult> ProbeAsync(int pid, int timeoutSeconds, ulong? expectedStartTime = null) =>
        _probe.ProbeAsync(pid, TimeSpan.FromSeconds(timeoutSeconds), expectedStartTime, _timeout.Token);
}

using System.Net.Sockets;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Tests.Unit;

/// <summary>Attach outcomes that need no real runtime: a silent socket, a dead socket, a missing or reused process.</summary>
public sealed class TargetAttacherTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private readonly FakeProcTree _tree = new();
    private readonly ProcFs _procFs;

    /// <summary>Above the kernel's PID limit (4194304), so no real process ever has it.</summary>
    private const int FakePid = 9_000_001;
    private const ulong StartTime = 1000;

    public TargetAttacherTests()
    {
        _procFs = new ProcFs(_tree.Root);
        _tree.AddProcess(FakePid, StartTime, "0::/\n");
    }

    public void Dispose()
    {
        _timeout.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public async Task A_runtime_that_never_answers_is_left_when_the_caller_gives_up()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_tree.SocketPath(FakePid, StartTime)));
        listener.Listen(); // accepts the connection in the backlog, never replies
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TargetAttacher.AttachAsync(_procFs, FakePid, giveUp.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the attach waited {watch.Elapsed} after the caller gave up");
    }

    [Fact]
    public async Task A_process_without_a_socket_says_where_it_looked()
    {
        var result = await TargetAttacher.AttachAsync(_procFs, FakePid, _timeout.Token);

        Assert.Equal(AttachOutcome.NotDotNet, result.Outcome);
        Assert.Contains("dotnet-diagnostic-1-*-socket in /tmp", result.Message);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_fails_with_the_reason()
    {
        _tree.AddSocket(FakePid, StartTime); // a plain file where a socket should be

        var result = await TargetAttacher.AttachAsync(_procFs, FakePid, _timeout.Token);

        Assert.Equal(AttachOutcome.NoDiagnosticSocket, result.Outcome);
        Assert.Contains("does not answer", result.Message);
    }

    [Fact]
    public async Task An_endpoint_whose_PID_now_names_another_process_has_exited()
    {
        var socket = _tree.AddSocket(FakePid, StartTime);

        var reused = await TargetAttacher.AttachAsync(_procFs, new DiagnosticEndpoint(FakePid, StartTime - 1, 1, socket), _timeout.Token);
        var missing = await TargetAttacher.AttachAsync(_procFs, new DiagnosticEndpoint(FakePid + 1, StartTime, 1, socket), _timeout.Token);

        Assert.Equal(AttachOutcome.ProcessExited, reused.Outcome);
        Assert.Equal(AttachOutcome.ProcessExited, missing.Outcome);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_a_failure()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_tree.SocketPath(FakePid, StartTime)));
        listener.Listen();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TargetAttacher.AttachAsync(_procFs, FakePid, cancelled.Token));
    }
}

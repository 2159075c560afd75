using System.Net.Sockets;
using Microsoft.Diagnostics.NETCore.Client;
using RuntimeInfoReader = Flamewatch.Profiling.Attach.RuntimeInfoReader;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// Verifies that the collector can talk to a process's runtime: inspects the process (socket, diagnostics switch),
/// connects with <c>new DiagnosticsClient(hostPid)</c>, falls back to the socket path discovery found
/// (<c>DiagnosticsClientConnector.FromDiagnosticPort("&lt;path&gt;,connect")</c>), and asks the runtime for its version.
/// Every failure is a typed outcome; only the caller's own cancellation throws.
/// </summary>
internal sealed class AttachProbe(ProcFs procFs, TimeProvider timeProvider)
{
    /// <summary>Probes the process with host PID <paramref name="hostPid"/> within <paramref name="timeout"/>.</summary>
    /// <param name="expectedStartTime">When known, a PID that now names a different process counts as exited.</param>
    public async Task<AttachProbeResult> ProbeAsync(int hostPid, TimeSpan timeout, ulong? expectedStartTime, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            return await ProbeCoreAsync(hostPid, expectedStartTime, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Gone(hostPid, expectedStartTime)
                ? new AttachProbeResult(AttachOutcome.Exited, Detail: "the process exited")
                : new AttachProbeResult(AttachOutcome.Timeout, Detail: $"no answer within {timeout.TotalSeconds:0.###} s");
        }
    }

    /// <summary>Probes a discovered process, checking that its PID still names the same process.</summary>
    public Task<AttachProbeResult> ProbeAsync(DiscoveredProcess process, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProbeAsync(process.HostPid, timeout, process.StartTime, cancellationToken);

    /// <summary>Connects through an explicit socket path only (the fallback of <see cref="ProbeAsync(int, TimeSpan, ulong?, CancellationToken)"/>).</summary>
    internal static async Task<AttachProbeResult> ProbeSocketAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (socketPath.Contains(',', StringComparison.Ordinal))
        {
            return new AttachProbeResult(AttachOutcome.Failed, DiagnosticSocketPath: socketPath,
                Detail: "the socket path contains a comma, which the diagnostic port syntax cannot express");
        }

        var connector = await DiagnosticsClientConnector.FromDiagnosticPort(socketPath + ",connect", cancellationToken).ConfigureAwait(false);
        await using (connector.ConfigureAwait(false))
        {
            var (version, cookie) = await RuntimeInfoReader.ReadAsync(connector.Instance, cancellationToken).ConfigureAwait(false);
            return new AttachProbeResult(AttachOutcome.Attached, version, cookie, AttachMethod.DiagnosticPort, socketPath);
        }
    }

    private async Task<AttachProbeResult> ProbeCoreAsync(int hostPid, ulong? expectedStartTime, CancellationToken cancellationToken)
    {
        var startTime = expectedStartTime ?? ProcStartTime(hostPid);
        // File reads on a wedged process can block in the kernel; the deadline abandons them.
        var inspection = await Task.Run(() => ProcessInspector.Inspect(procFs, hostPid, startTime), CancellationToken.None)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        switch (inspection.Outcome)
        {
            case InspectionOutcome.Exited:
                return new AttachProbeResult(AttachOutcome.Exited, Detail: "the process exited");
            case InspectionOutcome.NotDotNet:
                return new AttachProbeResult(AttachOutcome.NoDiagnosticSocket,
                    Detail: $"no dotnet-diagnostic-{inspection.NamespacePid}-*-socket in {inspection.TempDirectory} of the process");
            case InspectionOutcome.DiagnosticsDisabled:
                return new AttachProbeResult(AttachOutcome.DiagnosticsDisabled, Detail: inspection.Detail);
            case InspectionOutcome.PermissionDenied:
                return new AttachProbeResult(AttachOutcome.PermissionDenied, Detail: inspection.Detail);
            case InspectionOutcome.DiagnosticSocket when inspection.SocketPath is not null:
                break;
            default:
                return new AttachProbeResult(AttachOutcome.Failed, Detail: inspection.Detail ?? inspection.Outcome.ToString());
        }

        var socketPath = inspection.SocketPath;
        Exception first;
        try
        {
            var (version, cookie) = await RuntimeInfoReader.ReadAsync(new DiagnosticsClient(hostPid), cancellationToken).ConfigureAwait(false);
            return new AttachProbeResult(AttachOutcome.Attached, version, cookie, AttachMethod.ProcessId, socketPath);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            first = e;
        }

        try
        {
            return await ProbeSocketAsync(socketPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Classify(hostPid, startTime, socketPath, first, e);
        }
    }

    private AttachProbeResult Classify(int hostPid, ulong? startTime, string socketPath, Exception byPid, Exception bySocket)
    {
        if (Gone(hostPid, startTime))
        {
            return new AttachProbeResult(AttachOutcome.Exited, DiagnosticSocketPath: socketPath, Detail: "the process exited");
        }

        var detail = $"by PID: {byPid.GetType().Name}: {byPid.Message}; by socket: {bySocket.GetType().Name}: {bySocket.Message}";
        var outcome = IsPermissionDenied(byPid) || IsPermissionDenied(bySocket) ? AttachOutcome.PermissionDenied : AttachOutcome.Failed;
        return new AttachProbeResult(outcome, DiagnosticSocketPath: socketPath, Detail: detail);
    }

    private static bool IsPermissionDenied(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is UnauthorizedAccessException ||
                current is SocketException { SocketErrorCode: SocketError.AccessDenied })
            {
                return true;
            }
        }

        return false;
    }

    private ulong? ProcStartTime(int hostPid)
    {
        try
        {
            return procFs.ReadStat(hostPid)?.StartTime;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    private bool Gone(int hostPid, ulong? startTime)
    {
        try
        {
            var stat = procFs.ReadStat(hostPid);
            return stat is null || stat.Value.State is 'Z' or 'X' || (startTime is { } expected && stat.Value.StartTime != expected);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}

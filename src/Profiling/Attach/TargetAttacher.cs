using System.Net.Sockets;
using Flamewatch.Profiling.Os;
using Microsoft.Diagnostics.NETCore.Client;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// Connects to a .NET process's diagnostic socket, at the path <see cref="DiagnosticSocketLocator"/> resolved inside the
/// process's root, opened again there and pinned by <see cref="DiagnosticSocket"/>, and asks the runtime for its
/// environment and version. Failures are classified into an <see cref="AttachOutcome"/>; only the caller's cancellation throws.
/// </summary>
internal static class TargetAttacher
{
    /// <summary>Looks the socket up, then attaches (local mode and tests). The process itself is reached by PID: no container lies between.</summary>
    public static async Task<AttachResult> AttachAsync(ProcFs procFs, int pid, CancellationToken cancellationToken)
    {
        if (pid == Environment.ProcessId)
        {
            return await ConnectAsync(procFs, pid, null, new DiagnosticsClient(pid), null, cancellationToken).ConfigureAwait(false);
        }

        var lookup = DiagnosticSocketLocator.Locate(procFs, pid);
        return lookup.Endpoint is { } endpoint
            ? await AttachAsync(procFs, endpoint, cancellationToken).ConfigureAwait(false)
            : AttachResult.Failed(lookup.Failure ?? AttachOutcome.Failed, lookup.Message);
    }

    /// <summary>
    /// Attaches through an endpoint discovery resolved; a PID that now names another process has exited. The socket is
    /// opened again inside the process's root and pinned (<see cref="DiagnosticSocket"/>) for as long as the result's
    /// client is used: the result owns it and its user disposes it.
    /// </summary>
    public static async Task<AttachResult> AttachAsync(ProcFs procFs, DiagnosticEndpoint endpoint, CancellationToken cancellationToken)
    {
        var pid = endpoint.HostPid;
        if (!IsSameProcess(procFs, endpoint))
        {
            return Exited(pid);
        }

        DiagnosticSocket socket;
        try
        {
            socket = DiagnosticSocket.Open(procFs.ProcessRoot(pid), endpoint.SocketPath);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Failed(procFs, pid, endpoint, e);
        }

        var attached = false;
        try
        {
            // The root is opened by its PID: one reused meanwhile would have led into another process's root.
            if (!IsSameProcess(procFs, endpoint))
            {
                return Exited(pid);
            }
            if (socket.Address.Contains(',', StringComparison.Ordinal))
            {
                return AttachResult.Failed(AttachOutcome.NoDiagnosticSocket,
                    $"The diagnostic socket of process {pid} ({socket.Address}) has a comma in its path, which the diagnostic port syntax cannot express.");
            }

            var connector = await DiagnosticsClientConnector.FromDiagnosticPort(socket.Address + ",connect", cancellationToken).ConfigureAwait(false);
            var result = await ConnectAsync(procFs, pid, endpoint, connector.Instance, socket, cancellationToken).ConfigureAwait(false);
            attached = result.Succeeded;
            return attached ? result with { Socket = socket } : result;
        }
        finally
        {
            if (!attached)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>The runtime's own version over the socket; null when it cannot say (the session then assumes the oldest supported events).</summary>
    private static async Task<RuntimeVersion?> ReadRuntimeAsync(DiagnosticsClient client, CancellationToken cancellationToken)
    {
        try
        {
            var (version, _) = await RuntimeInfoReader.ReadAsync(client, cancellationToken).ConfigureAwait(false);
            return RuntimeVersion.Parse(version);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<AttachResult> ConnectAsync(ProcFs procFs, int pid, DiagnosticEndpoint? endpoint, DiagnosticsClient client, DiagnosticSocket? socket,
        CancellationToken cancellationToken)
    {
        try
        {
            // The first command proves the socket answers; the environment also tells the sampler rate. A runtime that
            // accepts the connection and never answers leaves the reads behind: the caller's token ends the wait, and
            // the reads hold the socket's descriptor until they end, so that none connects through a number reused meanwhile.
            cancellationToken.ThrowIfCancellationRequested();
            var reads = Task.Run(async () =>
            {
                using var hold = socket?.Hold();
                var environment = client.GetProcessEnvironment();
                var runtime = pid == Environment.ProcessId ? RuntimeVersion.Current : await ReadRuntimeAsync(client, cancellationToken).ConfigureAwait(false);
                return (environment, runtime);
            }, CancellationToken.None);
            var (environment, runtime) = await reads.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (runtime is { IsSupported: false })
            {
                return AttachResult.Failed(AttachOutcome.UnsupportedRuntime,
                    $"Process {pid} runs .NET {runtime}; Flamewatch profiles .NET {RuntimeVersion.OldestSupported} and later. Upgrade the app's runtime to profile it.");
            }
            return new AttachResult(AttachOutcome.Attached, $"Attached to process {pid}.", client, environment) { Runtime = runtime };
        }
        catch (Exception e) when (e is UnauthorizedAccessException or ServerNotAvailableException or IOException or TimeoutException
            or DiagnosticsClientException or SocketException)
        {
            return Failed(procFs, pid, endpoint, e);
        }
    }

    /// <summary>Why reaching the socket failed: permissions, the process's exit, or a socket that does not answer.</summary>
    private static AttachResult Failed(ProcFs procFs, int pid, DiagnosticEndpoint? endpoint, Exception e)
    {
        if (IsPermissionDenied(e))
        {
            return AttachResult.Failed(AttachOutcome.PermissionDenied,
                $"Permission denied on the diagnostic socket of process {pid}; run the collector as the process's user or as root.");
        }
        if (endpoint is null ? !procFs.IsAlive(pid) : !IsSameProcess(procFs, endpoint))
        {
            return Exited(pid);
        }
        return AttachResult.Failed(AttachOutcome.NoDiagnosticSocket,
            $"Process {pid} runs .NET but its diagnostic socket does not answer ({e.Message}).");
    }

    private static bool IsPermissionDenied(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is UnauthorizedAccessException or SocketException { SocketErrorCode: SocketError.AccessDenied }
                || current.Message.Contains("ermission", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsSameProcess(ProcFs procFs, DiagnosticEndpoint endpoint)
    {
        try
        {
            return procFs.ReadStat(endpoint.HostPid) is { } stat && stat.State is not ('Z' or 'X') && stat.StartTime == endpoint.StartTime;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return true;
        }
    }

    private static AttachResult Exited(int pid) => AttachResult.Failed(AttachOutcome.ProcessExited, $"Process {pid} exited while attaching.");
}

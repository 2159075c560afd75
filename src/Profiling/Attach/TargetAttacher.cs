using System.Net.Sockets;
using Flamewatch.Profiling.Os;
using Microsoft.Diagnostics.NETCore.Client;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// Connects to a .NET process's diagnostic socket, at the path <see cref="DiagnosticSocketLocator"/> resolved inside the
/// process's root, and asks the runtime for its environment and version. Failures are classified into an
/// <see cref="AttachOutcome"/>; only the caller's cancellation throws.
/// </summary>
internal static class TargetAttacher
{
    /// <summary>Looks the socket up, then attaches (local mode and tests). The process itself is reached by PID: no container lies between.</summary>
    public static async Task<AttachResult> AttachAsync(ProcFs procFs, int pid, CancellationToken cancellationToken)
    {
        if (pid == Environment.ProcessId)
        {
            return await ConnectAsync(procFs, pid, null, new DiagnosticsClient(pid), cancellationToken).ConfigureAwait(false);
        }

        var lookup = DiagnosticSocketLocator.Locate(procFs, pid);
        return lookup.Endpoint is { } endpoint
            ? await AttachAsync(procFs, endpoint, cancellationToken).ConfigureAwait(false)
            : AttachResult.Failed(lookup.Failure ?? AttachOutcome.Failed, lookup.Message);
    }

    /// <summary>Attaches through an endpoint discovery resolved; a PID that now names another process has exited.</summary>
    public static async Task<AttachResult> AttachAsync(ProcFs procFs, DiagnosticEndpoint endpoint, CancellationToken cancellationToken)
    {
        var pid = endpoint.HostPid;
        if (!IsSameProcess(procFs, endpoint))
        {
            return Exited(pid);
        }
        if (endpoint.SocketPath.Contains(',', StringComparison.Ordinal))
        {
            return AttachResult.Failed(AttachOutcome.NoDiagnosticSocket,
                $"The diagnostic socket of process {pid} ({endpoint.SocketPath}) has a comma in its path, which the diagnostic port syntax cannot express.");
        }

        var connector = await DiagnosticsClientConnector.FromDiagnosticPort(endpoint.SocketPath + ",connect", cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(procFs, pid, endpoint, connector.Instance, cancellationToken).ConfigureAwait(false);
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

    private static async Task<AttachResult> ConnectAsync(ProcFs procFs, int pid, DiagnosticEndpoint? endpoint, DiagnosticsClient client, CancellationToken cancellationToken)
    {
        try
        {
            // The first command proves the socket answers; the environment also tells the sampler rate. A runtime that
            // accepts the connection and never answers leaves the read behind: the caller's token ends the wait.
            var environment = await Task.Run(client.GetProcessEnvironment, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            var runtime = pid == Environment.ProcessId ? RuntimeVersion.Current : await ReadRuntimeAsync(client, cancellationToken).ConfigureAwait(false);
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

using System.Globalization;
using Flamewatch.Profiling.Os;
using Microsoft.Diagnostics.NETCore.Client;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// Connects to a .NET process's diagnostic socket. <c>new DiagnosticsClient(pid)</c> already handles PID and mount
/// namespaces (it reads NSpid, the target's TMPDIR and <c>/proc/&lt;pid&gt;/root</c>); when it cannot connect, the
/// socket is looked up explicitly under <c>/proc/&lt;pid&gt;/root/&lt;TMPDIR&gt;</c>. Failures are classified into an
/// <see cref="AttachOutcome"/>; no exception escapes.
/// </summary>
internal static class TargetAttacher
{
    public static async Task<AttachResult> AttachAsync(int pid, CancellationToken cancellationToken)
    {
        if (pid <= 0 || !ProcFs.Exists(pid))
        {
            return AttachResult.Failed(AttachOutcome.ProcessNotFound, $"No process with PID {pid}.");
        }
        if (pid == System.Environment.ProcessId)
        {
            return await ConnectAsync(pid, new DiagnosticsClient(pid), cancellationToken).ConfigureAwait(false);
        }

        var environment = ProcFs.Environment(pid);
        var hasCoreClr = ProcFs.HasCoreClr(pid);
        if (hasCoreClr is null || environment is null)
        {
            return ProcFs.Exists(pid)
                ? AttachResult.Failed(AttachOutcome.PermissionDenied,
                    $"Permission denied reading /proc/{pid}; run the collector as the process's user or as root (CAP_SYS_PTRACE).")
                : AttachResult.Failed(AttachOutcome.ProcessExited, $"Process {pid} exited while attaching.");
        }
        if (hasCoreClr == false)
        {
            return AttachResult.Failed(AttachOutcome.NotDotNet, $"Process {pid} is not a .NET process (no CoreCLR runtime loaded).");
        }
        if (DiagnosticsEnvironment.IsIpcDisabled(environment))
        {
            return AttachResult.Failed(AttachOutcome.DiagnosticsDisabled,
                $"Process {pid} started with DOTNET_EnableDiagnostics=0; it has no diagnostic socket. Restart it without that setting.");
        }

        var result = await ConnectAsync(pid, new DiagnosticsClient(pid), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded || result.Outcome is AttachOutcome.PermissionDenied)
        {
            return result;
        }
        var socket = FindSocket(pid, environment);
        if (socket is not null)
        {
            try
            {
                var connector = await DiagnosticsClientConnector.FromDiagnosticPort(socket + ",connect", cancellationToken).ConfigureAwait(false);
                var viaPath = await ConnectAsync(pid, connector.Instance, cancellationToken).ConfigureAwait(false);
                if (viaPath.Succeeded)
                {
                    return viaPath;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Fall through to the first failure, which names the usual cause.
            }
        }
        return ProcFs.Exists(pid) ? result : AttachResult.Failed(AttachOutcome.ProcessExited, $"Process {pid} exited while attaching.");
    }

    /// <summary>The target's socket seen through its root: <c>/proc/&lt;pid&gt;/root/&lt;TMPDIR&gt;/dotnet-diagnostic-&lt;nspid&gt;-&lt;start&gt;-socket</c>.</summary>
    internal static string? FindSocket(int pid, IReadOnlyDictionary<string, string> environment)
    {
        var tmp = environment.TryGetValue(DiagnosticsEnvironment.TempDirectoryVariable, out var dir) && dir.Length > 0 ? dir : "/tmp";
        var nsPid = ProcFs.NamespacePid(pid) ?? pid;
        var folder = Path.Join(ProcFs.Root, pid.ToString(CultureInfo.InvariantCulture), "root", tmp);
        try
        {
            var start = ProcFs.StartTime(pid);
            var exact = Path.Join(folder, $"dotnet-diagnostic-{nsPid}-{start}-socket");
            if (start is not null && File.Exists(exact))
            {
                return exact;
            }
            return Directory.GetFiles(folder, $"dotnet-diagnostic-{nsPid}-*-socket").OrderDescending(StringComparer.Ordinal).FirstOrDefault();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
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

    private static async Task<AttachResult> ConnectAsync(int pid, DiagnosticsClient client, CancellationToken cancellationToken)
    {
        try
        {
            // The first command proves the socket answers; the environment also tells the sampler rate.
            var environment = await Task.Run(client.GetProcessEnvironment, cancellationToken).ConfigureAwait(false);
            var runtime = pid == System.Environment.ProcessId ? RuntimeVersion.Current : await ReadRuntimeAsync(client, cancellationToken).ConfigureAwait(false);
            if (runtime is { IsSupported: false })
            {
                return AttachResult.Failed(AttachOutcome.UnsupportedRuntime,
                    $"Process {pid} runs .NET {runtime}; Flamewatch profiles .NET {RuntimeVersion.OldestSupported} and later. Upgrade the app's runtime to profile it.");
            }
            return new AttachResult(AttachOutcome.Attached, $"Attached to process {pid}.", client, environment) { Runtime = runtime };
        }
        catch (UnauthorizedAccessException)
        {
            return AttachResult.Failed(AttachOutcome.PermissionDenied,
                $"Permission denied on the diagnostic socket of process {pid}; run the collector as the process's user or as root.");
        }
        catch (Exception e) when (e is ServerNotAvailableException or IOException or TimeoutException or DiagnosticsClientException)
        {
            if (e.InnerException is UnauthorizedAccessException || e.Message.Contains("ermission", StringComparison.Ordinal))
            {
                return AttachResult.Failed(AttachOutcome.PermissionDenied,
                    $"Permission denied on the diagnostic socket of process {pid}; run the collector as the process's user or as root.");
            }
            if (!ProcFs.Exists(pid))
            {
                return AttachResult.Failed(AttachOutcome.ProcessExited, $"Process {pid} exited while attaching.");
            }
            return AttachResult.Failed(AttachOutcome.NoDiagnosticSocket,
                $"Process {pid} runs .NET but its diagnostic socket does not answer ({e.Message}).");
        }
    }
}

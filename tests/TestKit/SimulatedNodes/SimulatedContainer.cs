using System.Diagnostics;
using System.Globalization;

namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>
/// One container of a simulated pod: a process in its own PID and mount namespaces (PID 1 inside, private tmpfs for
/// its temp directory), placed in the container's cgroup.
/// </summary>
public sealed class SimulatedContainer(string name, string id, ContainerProgram program, Process launcher, string cgroupDirectory, string tempDirectory)
{
    public string Name { get; } = name;

    /// <summary>64 hex digits, as containerd makes them.</summary>
    public string Id { get; } = id;

    /// <summary>The ID as the pod's container status reports it: <c>containerd://&lt;id&gt;</c>.</summary>
    public string StatusContainerId => "containerd://" + Id;

    public ContainerProgram Program { get; } = program;

    /// <summary>The container's main process in the host PID namespace (0 until it has started).</summary>
    public int HostPid { get; internal set; }

    /// <summary>Directory of the container's cgroup.</summary>
    public string CgroupDirectory { get; } = cgroupDirectory;

    /// <summary>The process's temp directory as it sees it (a private tmpfs).</summary>
    public string TempDirectory { get; } = tempDirectory;

    /// <summary>The <c>unshare</c> process that holds the namespaces.</summary>
    public Process Launcher { get; } = launcher;

    /// <summary>Kills the container's process (and with it the PID namespace) and waits for the launcher to exit.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (HostPid > 0)
        {
            try
            {
                using var process = Process.GetProcessById(HostPid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        try
        {
            if (!Launcher.HasExited)
            {
                Launcher.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        await Launcher.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Program}, host PID {HostPid})");
}

using Flamewatch.TestKit.Processes;

namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>
/// What this machine allows for a simulated node: root, PID and mount namespaces (<c>unshare</c>), a writable
/// cgroup v2 hierarchy (and a cgroup v1 one where the host still mounts them). Detected once, at run time.
/// </summary>
public sealed class NodeCapabilities
{
    private static readonly Lazy<NodeCapabilities> s_current = new(Detect);

    private NodeCapabilities(string? unsupportedReason, string? cgroup2Root, string? cgroup1Root)
    {
        UnsupportedReason = unsupportedReason;
        Cgroup2Root = cgroup2Root;
        Cgroup1Root = cgroup1Root;
    }

    public static NodeCapabilities Current => s_current.Value;

    /// <summary>Null when a simulated node can run here; otherwise why not.</summary>
    public string? UnsupportedReason { get; }

    /// <summary>Mount point of the cgroup v2 hierarchy (e.g. <c>/sys/fs/cgroup</c>, or <c>/sys/fs/cgroup/unified</c> on hybrid hosts).</summary>
    public string? Cgroup2Root { get; }

    /// <summary>Mount point of a cgroup v1 hierarchy (the <c>pids</c> controller), when the host has one.</summary>
    public string? Cgroup1Root { get; }

    private static NodeCapabilities Detect()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new NodeCapabilities("a simulated node needs Linux (procfs, cgroups, namespaces)", null, null);
        }

        if (!IsRoot())
        {
            return new NodeCapabilities("a simulated node needs root (cgroup directories, unshare, mount)", null, null);
        }

        var (cgroup2, cgroup1) = FindCgroupMounts();
        if (cgroup2 is null)
        {
            return new NodeCapabilities("no cgroup v2 hierarchy is mounted (see /proc/self/mountinfo)", null, null);
        }

        if (!CanCreateCgroup(cgroup2, out var cgroupError))
        {
            return new NodeCapabilities($"cannot create a cgroup under {cgroup2}: {cgroupError}", null, null);
        }

        if (cgroup1 is not null && !CanCreateCgroup(cgroup1, out _))
        {
            cgroup1 = null;
        }

        if (!File.Exists("/usr/bin/setpriv") && !File.Exists("/bin/setpriv"))
        {
            return new NodeCapabilities("setpriv (util-linux) is missing; containers running as another user need it", null, null);
        }

        var probeDirectory = Directory.CreateTempSubdirectory("fw-nscheck-");
        try
        {
            var probe = Command.Run("unshare", ["--pid", "--fork", "--mount-proc", "--mount", "/bin/sh", "-c",
                "mount -t tmpfs tmpfs \"$0\" && grep NSpid /proc/self/status", probeDirectory.FullName], timeout: TimeSpan.FromSeconds(20));
            if (probe.ExitCode != 0)
            {
                return new NodeCapabilities($"unshare of PID and mount namespaces failed (exit {probe.ExitCode}): {probe.Output.Trim()}", null, null);
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or TimeoutException)
        {
            return new NodeCapabilities($"cannot run unshare: {e.Message}", null, null);
        }
        finally
        {
            probeDirectory.Delete(recursive: true);
        }

        return new NodeCapabilities(null, cgroup2, cgroup1);
    }

    private static bool IsRoot()
    {
        var uidLine = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        var fields = uidLine?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 3 } && fields[2] == "0";
    }

    private static (string? Cgroup2, string? Cgroup1) FindCgroupMounts()
    {
        string? cgroup2 = null;
        string? cgroup1 = null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "<id> <parent> <dev> <root> <mount point> <options> [optional...] - <fstype> <source> <super options>"
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var fields = line[..separator].Split(' ');
            var tail = line[(separator + 3)..].Split(' ');
            if (fields.Length < 5 || tail.Length < 3 || fields[3] != "/")
            {
                continue;
            }

            if (tail[0] == "cgroup2")
            {
                cgroup2 ??= fields[4];
            }
            else if (tail[0] == "cgroup" && tail[2].Split(',').Contains("pids"))
            {
                cgroup1 ??= fields[4];
            }
        }

        return (cgroup2, cgroup1);
    }

    private static bool CanCreateCgroup(string root, out string error)
    {
        var probe = Path.Combine(root, "fw-probe-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(probe);
            var writable = File.Exists(Path.Combine(probe, "cgroup.procs"));
            Directory.Delete(probe);
            error = writable ? string.Empty : "the new directory has no cgroup.procs";
            return writable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e.Message;
            return false;
        }
    }
}

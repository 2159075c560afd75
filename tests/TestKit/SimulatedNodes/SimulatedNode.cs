using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>
/// A node laid out as the kubelet lays it out, on this machine: each container is a real process in new PID and mount
/// namespaces (<c>unshare</c>), with a private tmpfs temp directory, in a cgroup named as the kubelet names it
/// (systemd or cgroupfs driver). Disposing kills every process and removes every cgroup directory it created.
/// Needs <see cref="NodeCapabilities.UnsupportedReason"/> to be null. The .NET program is the sleeper
/// (<c>tests/TestKit/Sleeper</c>): callers reference that project so that its assembly is next to theirs.
/// </summary>
public sealed class SimulatedNode : IAsyncDisposable
{
    /// <summary>
    /// Joins the container's cgroup (writing 0 to <c>cgroup.procs</c> moves the writer), mounts a private tmpfs on the temp
    /// directory, then runs the program as PID 1 of the new namespace: like a real runtime, the program is in its cgroup
    /// from its first instruction, so a scan never sees it elsewhere. When the repository (the programs it runs) lies
    /// under that temp directory — a clone under /tmp — it is bind-mounted back over the tmpfs first ($2). A directory
    /// the program needs inside the container (a TMPDIR below the private temp directory) is made last ($3).
    /// </summary>
    private const string ContainerInit =
        "echo 0 > \"$1\" && if [ -n \"$2\" ]; then k=$(mktemp -d /run/flamewatch-keep.XXXXXX) && mount --bind \"$2\" \"$k\"; fi"
        + " && mount -t tmpfs -o mode=1777 tmpfs \"$0\""
        + " && if [ -n \"$2\" ]; then mkdir -p \"$2\" && mount --bind \"$k\" \"$2\" && umount \"$k\" && rmdir \"$k\"; fi"
        + " && if [ -n \"$3\" ]; then mkdir -p \"$3\"; fi && shift 3 && exec \"$@\"";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private const string SleeperAssembly = "Flamewatch.TestKit.Sleeper.dll";

    private readonly NodeCapabilities _capabilities;
    private readonly Lock _lock = new();
    private readonly DirectoryInfo _workDirectory;
    private readonly List<SimulatedPod> _pods = [];
    private readonly List<string> _createdCgroups = [];

    public SimulatedNode(NodeCapabilities capabilities)
    {
        if (capabilities.UnsupportedReason is { } reason)
        {
            throw new InvalidOperationException("Simulated node unavailable: " + reason);
        }

        _capabilities = capabilities;
        _workDirectory = Directory.CreateTempSubdirectory("fw-simnode-");
    }

    public IReadOnlyList<SimulatedPod> Pods
    {
        get
        {
            lock (_lock)
            {
                return [.. _pods];
            }
        }
    }

    /// <summary>The cgroup hierarchy the cgroupfs layout uses: v1 where the host mounts it, else v2.</summary>
    public string CgroupfsRoot => _capabilities.Cgroup1Root ?? _capabilities.Cgroup2Root!;

    /// <param name="uid">The pod UID (e.g. the one the API server gave the Pod object); null = a new one.</param>
    public SimulatedPod AddPod(KubeletCgroupDriver driver, PodQos qos, string? uid = null)
    {
        var pod = new SimulatedPod(uid ?? Guid.NewGuid().ToString(), driver, qos);
        lock (_lock)
        {
            _pods.Add(pod);
        }

        return pod;
    }

    /// <summary>
    /// Starts a container and returns once its process runs (for .NET programs: once the runtime is up).
    /// </summary>
    /// <param name="tempDirectory">TMPDIR to give the process; null = TMPDIR unset, so the runtime uses a private <c>/tmp</c>.</param>
    /// <param name="runAsUid">Run the program as this UID and GID (as a pod's <c>runAsUser</c> does); null = root.</param>
    /// <param name="environment">Extra environment variables of the program (as a container spec's <c>env</c>).</param>
    /// <param name="directoryInside">A directory to make inside the container before its program starts, such as a TMPDIR below its private <c>/tmp</c>.</param>
    public async Task<SimulatedContainer> StartContainerAsync(
        SimulatedPod pod, string name, ContainerProgram program, string? tempDirectory, CancellationToken cancellationToken, int? runAsUid = null,
        IReadOnlyDictionary<string, string>? environment = null, string? directoryInside = null)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var hierarchy = pod.Driver == KubeletCgroupDriver.Systemd ? _capabilities.Cgroup2Root! : CgroupfsRoot;
        var cgroupDirectory = CreateCgroup(hierarchy, pod.CgroupPath(id));

        var privateTemp = tempDirectory ?? "/tmp";
        if (tempDirectory is not null)
        {
            Directory.CreateDirectory(tempDirectory);
        }

        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _workDirectory.FullName,
        };
        var repository = RepositoryFiles.Root;
        var keep = repository.StartsWith(Path.TrimEndingDirectorySeparator(privateTemp) + "/", StringComparison.Ordinal) ? repository : "";
        foreach (var argument in new[] { "--pid", "--fork", "--kill-child", "--mount-proc", "--mount", "/bin/sh", "-c", ContainerInit, privateTemp, Path.Combine(cgroupDirectory, "cgroup.procs"), keep, directoryInside ?? "" })
        {
            start.ArgumentList.Add(argument);
        }

        if (runAsUid is { } uid)
        {
            var user = uid.ToString(CultureInfo.InvariantCulture);
            foreach (var argument in new[] { "setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in CommandLine(program))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("TMPDIR");
        if (tempDirectory is not null)
        {
            start.Environment["TMPDIR"] = tempDirectory;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        if (program == ContainerProgram.DotNetDiagnosticsDisabled)
        {
            start.Environment["DOTNET_EnableDiagnostics"] = "0";
        }

        var launcher = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
        var container = new SimulatedContainer(name, id, program, launcher, cgroupDirectory, privateTemp);
        lock (_lock)
        {
            pod.Add(container);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_startTimeout);
        var ready = program == ContainerProgram.NotDotNet ? Task.CompletedTask : WaitForLineAsync(launcher, "ready", timeout.Token);
        var stderr = launcher.StandardError.ReadToEndAsync(CancellationToken.None);

        container.HostPid = await WaitForContainerProcessAsync(launcher, program, stderr, timeout.Token).ConfigureAwait(false);
        File.WriteAllText(Path.Combine(cgroupDirectory, "cgroup.procs"), container.HostPid.ToString(CultureInfo.InvariantCulture));
        await ready.ConfigureAwait(false);
        return container;
    }

    /// <summary>A directory for a container's TMPDIR (the container mounts its own tmpfs over it).</summary>
    public string NewTempDirectory(string name) => Path.Combine(_workDirectory.FullName, name, "tmp");

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var container in Pods.SelectMany(p => p.Containers))
        {
            try
            {
                await container.KillAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Cleanup goes on with the cgroups; a process that would not die is reported by rmdir failing.
            }

            container.Launcher.Dispose();
        }

        for (var i = _createdCgroups.Count - 1; i >= 0; i--)
        {
            await RemoveCgroupAsync(_createdCgroups[i]).ConfigureAwait(false);
        }

        try
        {
            _workDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static IEnumerable<string> CommandLine(ContainerProgram program)
    {
        if (program == ContainerProgram.NotDotNet)
        {
            return ["cat"];
        }

        return [ChildProcess.DotNetHost, ChildProcess.AssemblyPath(SleeperAssembly)];
    }

    private string CreateCgroup(string hierarchy, string relativePath)
    {
        var current = hierarchy;
        lock (_lock)
        {
            foreach (var segment in relativePath.Split('/'))
            {
                current = Path.Combine(current, segment);
                if (!Directory.Exists(current))
                {
                    Directory.CreateDirectory(current);
                    _createdCgroups.Add(current);
                }
            }
        }

        return current;
    }

    /// <summary>rmdir of a cgroup fails while it still has members (a process being reaped), so it is retried briefly.</summary>
    private static async Task RemoveCgroupAsync(string directory)
    {
        for (var attempt = 0; attempt < 50 && Directory.Exists(directory); attempt++)
        {
            try
            {
                Directory.Delete(directory);
                return;
            }
            catch (IOException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The launcher's forked child (PID 1 of the new namespace), once it has exec'd the program (not the shell or setpriv before it).</summary>
    private static async Task<int> WaitForContainerProcessAsync(Process launcher, ContainerProgram program, Task<string> stderr, CancellationToken cancellationToken)
    {
        var expected = program == ContainerProgram.NotDotNet ? "cat" : SleeperAssembly;
        while (true)
        {
            if (launcher.HasExited)
            {
                throw new InvalidOperationException($"the container exited at start (exit {launcher.ExitCode}): {await stderr.ConfigureAwait(false)}");
            }

            foreach (var pid in ProcessReadings.ProcessIds())
            {
                if (ProcessReadings.ParentPid(pid) == launcher.Id &&
                    ProcessReadings.CommandLine(pid) is [var command, ..] arguments && command is not ("/bin/sh" or "setpriv") &&
                    arguments.Any(a => Path.GetFileName(a) == expected))
                {
                    return pid;
                }
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WaitForLineAsync(Process process, string expected, CancellationToken cancellationToken)
    {
        while (await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line == expected)
            {
                return;
            }
        }

        throw new InvalidOperationException($"the container's output ended before \"{expected}\"");
    }
}

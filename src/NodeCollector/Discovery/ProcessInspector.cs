using System.Globalization;
using Flamewatch.Profiling.Attach;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// Looks at one process from the host: its in-namespace PID, TMPDIR and diagnostic socket
/// <c>/proc/&lt;pid&gt;/root/&lt;TMPDIR&gt;/dotnet-diagnostic-&lt;nspid&gt;-&lt;starttime&gt;-socket</c>. Synchronous file
/// I/O that can block on a wedged process; callers run it under a timeout. Never throws for a process's state.
/// </summary>
internal static class ProcessInspector
{
    public const string DefaultTempDirectory = "/tmp";

    /// <summary>Symbolic links followed while resolving TMPDIR inside the process's root, as the kernel's limit.</summary>
    private const int MaxLinkHops = 40;

    /// <summary>Mappings that show a .NET runtime is loaded (shared framework, or CoreLib of a self-contained app).</summary>
    private static readonly string[] s_runtimeMarkers = ["/libcoreclr.so", "System.Private.CoreLib.dll"];

    /// <summary>The socket name the runtime uses: in-namespace PID and start time in clock ticks.</summary>
    public static string SocketName(int namespacePid, ulong startTime) =>
        string.Create(CultureInfo.InvariantCulture, $"dotnet-diagnostic-{namespacePid}-{startTime}-socket");

    /// <param name="expectedStartTime">When given, a process with another start time is a reused PID and counts as exited.</param>
    public static ProcessInspection Inspect(ProcFs procFs, int pid, ulong? expectedStartTime = null)
    {
        try
        {
            return InspectCore(procFs, pid, expectedStartTime);
        }
        catch (UnauthorizedAccessException e)
        {
            return StillRunning(procFs, pid, expectedStartTime)
                ? new ProcessInspection(InspectionOutcome.PermissionDenied, Detail: e.Message)
                : new ProcessInspection(InspectionOutcome.Exited);
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            return StillRunning(procFs, pid, expectedStartTime)
                ? new ProcessInspection(InspectionOutcome.Failed, Detail: e.Message)
                : new ProcessInspection(InspectionOutcome.Exited);
        }
    }

    private static ProcessInspection InspectCore(ProcFs procFs, int pid, ulong? expectedStartTime)
    {
        var stat = procFs.ReadStat(pid);
        if (stat is null || stat.Value.State is 'Z' or 'X' || (expectedStartTime is { } expected && stat.Value.StartTime != expected))
        {
            return new ProcessInspection(InspectionOutcome.Exited);
        }

        var namespacePids = procFs.ReadNamespacePids(pid);
        var environment = procFs.ReadEnvironment(pid);
        if (namespacePids is null || environment is null)
        {
            return new ProcessInspection(InspectionOutcome.Exited);
        }

        var namespacePid = namespacePids[^1];
        var tempDirectory = TempDirectoryOf(environment);
        var socket = FindSocket(procFs, pid, tempDirectory, namespacePid, stat.Value.StartTime);
        if (socket is not null)
        {
            return new ProcessInspection(InspectionOutcome.DiagnosticSocket, namespacePid, tempDirectory, socket);
        }

        if (!StillRunning(procFs, pid, stat.Value.StartTime))
        {
            return new ProcessInspection(InspectionOutcome.Exited);
        }

        if (DiagnosticsEnvironment.IsIpcDisabled(environment) && HasRuntimeLoaded(procFs, pid))
        {
            return new ProcessInspection(InspectionOutcome.DiagnosticsDisabled, namespacePid, tempDirectory,
                Detail: "the process started with DOTNET_EnableDiagnostics=0 (or EnableDiagnostics_IPC=0)");
        }

        return new ProcessInspection(InspectionOutcome.NotDotNet, namespacePid, tempDirectory);
    }

    /// <summary>TMPDIR as the runtime uses it: set and non-empty, else <c>/tmp</c>. Relative values resolve from the root.</summary>
    internal static string TempDirectoryOf(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue(DiagnosticsEnvironment.TempDirectoryVariable, out var value) && !string.IsNullOrWhiteSpace(value)
            ? "/" + value.Trim().TrimStart('/')
            : DefaultTempDirectory;

    /// <summary>
    /// The socket for this exact process, else the newest <c>dotnet-diagnostic-&lt;nspid&gt;-*-socket</c> (start times can
    /// differ under a time namespace). Symbolic links are never accepted as the socket.
    /// </summary>
    private static string? FindSocket(ProcFs procFs, int pid, string tempDirectory, int namespacePid, ulong startTime)
    {
        var directory = ResolveInRoot(procFs.ProcessRoot(pid), tempDirectory);
        if (directory is null || !Directory.Exists(directory))
        {
            return null;
        }

        var exact = new FileInfo(Path.Combine(directory, SocketName(namespacePid, startTime)));
        if (exact.Exists && exact.LinkTarget is null)
        {
            return exact.FullName;
        }

        var pattern = string.Create(CultureInfo.InvariantCulture, $"dotnet-diagnostic-{namespacePid}-*-socket");
        return new DirectoryInfo(directory).EnumerateFiles(pattern)
            .Where(f => f.LinkTarget is null)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Select(f => f.FullName)
            .FirstOrDefault();
    }

    /// <summary>
    /// Resolves <paramref name="path"/> as the process sees it, below <paramref name="root"/> (<c>/proc/&lt;pid&gt;/root</c>):
    /// the kernel would resolve an absolute symbolic link inside it, or "..", against the collector's own root instead,
    /// so links are followed here and re-rooted, and ".." stops at the root. Null on a link loop.
    /// </summary>
    internal static string? ResolveInRoot(string root, string path)
    {
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        var hops = 0;
        while (pending.First is { } first)
        {
            pending.RemoveFirst();
            var component = first.Value;
            if (component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var candidate = root + "/" + string.Join('/', resolved.Append(component));
            if (new FileInfo(candidate).LinkTarget is not { } target)
            {
                resolved.Add(component);
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                return null;
            }

            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.AddFirst(part);
            }
        }

        return resolved.Count == 0 ? root : root + "/" + string.Join('/', resolved);
    }

    private static bool HasRuntimeLoaded(ProcFs procFs, int pid) =>
        s_runtimeMarkers.Any(marker => procFs.MapsContain(pid, marker) == true);

    private static bool StillRunning(ProcFs procFs, int pid, ulong? startTime)
    {
        try
        {
            var stat = procFs.ReadStat(pid);
            return stat is not null && stat.Value.State is not ('Z' or 'X') && (startTime is null || stat.Value.StartTime == startTime);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return true;
        }
    }
}

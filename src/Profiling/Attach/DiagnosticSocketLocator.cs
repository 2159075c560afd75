using System.Globalization;
using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// The one lookup of a process's diagnostic socket, for discovery and for attaching by PID alike:
/// <c>/proc/&lt;pid&gt;/root/&lt;TMPDIR&gt;/dotnet-diagnostic-&lt;nspid&gt;-&lt;starttime&gt;-socket</c>, resolved as the
/// process itself sees it. The process's file system is the container's, so it is not trusted: symbolic links on the
/// way are re-rooted inside <c>/proc/&lt;pid&gt;/root</c> (the kernel would resolve an absolute link against the
/// collector's root, i.e. the host's), a link that climbs above that root is refused, and a link is never taken for the
/// socket itself. Synchronous file I/O that can block on a wedged process; callers run it under a timeout. Never throws
/// for a process's state.
/// </summary>
internal static class DiagnosticSocketLocator
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
    public static SocketLookup Locate(ProcFs procFs, int pid, ulong? expectedStartTime = null)
    {
        try
        {
            return LocateCore(procFs, pid, expectedStartTime);
        }
        catch (UnauthorizedAccessException e)
        {
            return StillRunning(procFs, pid, expectedStartTime)
                ? SocketLookup.Failed(AttachOutcome.PermissionDenied,
                    $"Permission denied reading /proc/{pid} ({e.Message}); run the collector as the process's user or as root (CAP_SYS_PTRACE and CAP_DAC_OVERRIDE).")
                : Gone(pid, expectedStartTime);
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            return StillRunning(procFs, pid, expectedStartTime) ? SocketLookup.Failed(AttachOutcome.Failed, e.Message) : Gone(pid, expectedStartTime);
        }
    }

    /// <summary>TMPDIR as the runtime uses it: set and non-empty, else <c>/tmp</c>. Relative values resolve from the root.</summary>
    internal static string TempDirectoryOf(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue(DiagnosticsEnvironment.TempDirectoryVariable, out var value) && !string.IsNullOrWhiteSpace(value)
            ? "/" + value.Trim().TrimStart('/')
            : DefaultTempDirectory;

    /// <summary>
    /// Resolves <paramref name="path"/> as the process sees it, below <paramref name="root"/> (<c>/proc/&lt;pid&gt;/root</c>):
    /// links are followed here, an absolute target from the root; ".." in the path itself stops at the root, as it does
    /// for the process. Null on a link loop, or for a link whose target climbs above the root (nothing a container needs,
    /// and the way out of it).
    /// </summary>
    internal static string? ResolveInRoot(string root, string path)
    {
        // Components still to walk, each marked with whether it came from a link's target.
        var pending = new LinkedList<(string Name, bool FromLink)>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(c => (c, false)));
        var resolved = new List<string>();
        var hops = 0;
        while (pending.First is { } first)
        {
            pending.RemoveFirst();
            var (component, fromLink) = first.Value;
            if (component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (resolved.Count == 0 && fromLink)
                {
                    return null;
                }

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
                pending.AddFirst((part, true));
            }
        }

        return resolved.Count == 0 ? root : root + "/" + string.Join('/', resolved);
    }

    private static SocketLookup LocateCore(ProcFs procFs, int pid, ulong? expectedStartTime)
    {
        var stat = pid > 0 ? procFs.ReadStat(pid) : null;
        if (stat is null || stat.Value.State is 'Z' or 'X' || (expectedStartTime is { } expected && stat.Value.StartTime != expected))
        {
            return Gone(pid, expectedStartTime);
        }

        var namespacePids = procFs.ReadNamespacePids(pid);
        var environment = procFs.ReadEnvironment(pid);
        if (namespacePids is null || environment is null)
        {
            return Gone(pid, expectedStartTime ?? stat.Value.StartTime);
        }

        var namespacePid = namespacePids[^1];
        var tempDirectory = TempDirectoryOf(environment);
        var directory = ResolveInRoot(procFs.ProcessRoot(pid), tempDirectory);
        if (directory is not null && FindSocket(directory, namespacePid, stat.Value.StartTime) is { } socket)
        {
            return new SocketLookup(null, new DiagnosticEndpoint(pid, stat.Value.StartTime, namespacePid, socket), namespacePid, tempDirectory,
                string.Create(CultureInfo.InvariantCulture, $"Process {pid} has its diagnostic socket at {socket}."));
        }

        if (!StillRunning(procFs, pid, stat.Value.StartTime))
        {
            return Gone(pid, expectedStartTime ?? stat.Value.StartTime);
        }

        return NoSocket(procFs, pid, environment, namespacePid, tempDirectory, directory is null);
    }

    /// <summary>Why there is no socket: diagnostics off, no runtime at all, or a .NET process whose socket is not (yet) there.</summary>
    private static SocketLookup NoSocket(ProcFs procFs, int pid, IReadOnlyDictionary<string, string> environment, int namespacePid, string tempDirectory, bool refused)
    {
        var runtimeLoaded = s_runtimeMarkers.Any(marker => procFs.MapsContain(pid, marker) == true);
        var where = refused
            ? $"its TMPDIR {tempDirectory} does not resolve inside its root (a link loop, or a link out of the container), so its socket is not looked for"
            : $"no dotnet-diagnostic-{namespacePid}-*-socket in {tempDirectory} of the process";
        var (outcome, message) = (runtimeLoaded, DiagnosticsEnvironment.IsIpcDisabled(environment)) switch
        {
            (true, true) => (AttachOutcome.DiagnosticsDisabled,
                $"Process {pid} started with DOTNET_EnableDiagnostics=0 (or EnableDiagnostics_IPC=0); it has no diagnostic socket. Restart it without that setting."),
            (true, false) => (AttachOutcome.NoDiagnosticSocket, $"Process {pid} runs .NET but has no diagnostic socket: {where}."),
            _ => (AttachOutcome.NotDotNet, $"Process {pid} is not a .NET process (no CoreCLR runtime loaded; {where})."),
        };
        return new SocketLookup(outcome, null, namespacePid, tempDirectory, message);
    }

    /// <summary>
    /// The socket for this exact process, else the newest <c>dotnet-diagnostic-&lt;nspid&gt;-*-socket</c> (start times can
    /// differ under a time namespace). Symbolic links are never accepted as the socket.
    /// </summary>
    private static string? FindSocket(string directory, int namespacePid, ulong startTime)
    {
        if (!Directory.Exists(directory))
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

    private static SocketLookup Gone(int pid, ulong? expectedStartTime) => expectedStartTime is null
        ? SocketLookup.Failed(AttachOutcome.ProcessNotFound, string.Create(CultureInfo.InvariantCulture, $"No process with PID {pid}."))
        : SocketLookup.Failed(AttachOutcome.ProcessExited, string.Create(CultureInfo.InvariantCulture, $"Process {pid} exited."));

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

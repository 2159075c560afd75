using System.Globalization;
using System.Text;

namespace Flamewatch.Profiling.Os;

/// <summary>
/// Reads what profiling and discovery need from a Linux procfs. The root is injectable: production uses the host's
/// <c>/proc</c> (the collector runs with hostPID); tests use a directory tree laid out like it. Readers of one file
/// return <see langword="null"/> when the process no longer exists and let <see cref="UnauthorizedAccessException"/>
/// through when the caller lacks the privileges to read it; <see cref="IsAlive"/>, <see cref="Threads"/> and
/// <see cref="ReadMaps"/> never throw.
/// </summary>
internal sealed class ProcFs
{
    /// <summary>Clock ticks per second of utime/stime (USER_HZ; 100 on every Linux ABI .NET runs on).</summary>
    internal const long ClockTicksPerSecond = 100;

    /// <summary>Environment files are read up to this size; larger ones are cut (the kernel's limit is far below).</summary>
    private const int MaxEnvironmentBytes = 4 * 1024 * 1024;

    public ProcFs(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = root.TrimEnd('/');
    }

    public static ProcFs Host { get; } = new("/proc");

    public string Root { get; }

    /// <summary>The PIDs now present (numeric entries of the root).</summary>
    public IReadOnlyList<int> ListProcessIds()
    {
        if (!Directory.Exists(Root))
        {
            throw new InvalidOperationException($"The process file system '{Root}' does not exist; discovery needs the host's /proc (hostPID).");
        }

        var pids = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories(Root))
        {
            if (int.TryParse(Path.GetFileName(entry.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    public string ProcessDirectory(int pid) => Root + "/" + pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>The path through which the process's own root file system is reached (<c>/proc/&lt;pid&gt;/root</c>).</summary>
    public string ProcessRoot(int pid) => ProcessPath(pid, "root");

    public bool Exists(int pid) => pid > 0 && Directory.Exists(ProcessDirectory(pid));

    /// <summary>The process exists and is neither a zombie nor dead (a killed process lingers as one until reaped).</summary>
    public bool IsAlive(int pid)
    {
        try
        {
            return ReadStat(pid) is { } stat && stat.State is not ('Z' or 'X');
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Exists(pid);
        }
    }

    public ProcStat? ReadStat(int pid) => ReadText(pid, "stat") is { } text ? ParseStat(text) : null;

    public string? ReadCgroup(int pid) => ReadText(pid, "cgroup");

    /// <summary>The process's PID in each nested PID namespace, outermost first (the <c>NSpid</c> line of <c>status</c>).</summary>
    public IReadOnlyList<int>? ReadNamespacePids(int pid) => ReadText(pid, "status") is { } text ? ParseNamespacePids(text) : null;

    /// <summary>The environment the process started with (<c>environ</c>).</summary>
    public IReadOnlyDictionary<string, string>? ReadEnvironment(int pid) =>
        ReadBytes(pid, "environ", MaxEnvironmentBytes) is { } bytes ? ParseEnvironment(bytes) : null;

    /// <summary>The text of <c>/proc/&lt;pid&gt;/maps</c>, or null when gone or unreadable.</summary>
    public string? ReadMaps(int pid)
    {
        try
        {
            return ReadText(pid, "maps");
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether any mapping of the process names a file whose path contains <paramref name="fragment"/>.</summary>
    public bool? MapsContain(int pid, string fragment)
    {
        try
        {
            using var reader = new StreamReader(ProcessPath(pid, "maps"), Encoding.UTF8);
            while (reader.ReadLine() is { } line)
            {
                if (line.Contains(fragment, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
        catch (Exception e) when (IsGone(e, pid))
        {
            return null;
        }
    }

    /// <summary>Threads of a process: host TID, TID inside the process's PID namespace, name, CPU ticks. Empty when unreadable.</summary>
    public IReadOnlyList<ThreadInfo> Threads(int pid)
    {
        string[] entries;
        try
        {
            entries = Directory.GetDirectories(ProcessPath(pid, "task"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var threads = new List<ThreadInfo>(entries.Length);
        foreach (var directory in entries)
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var hostTid)
                && TryReadFile(Path.Combine(directory, "stat")) is { } text && ParseStat(text) is { } stat)
            {
                var nsTid = TryReadFile(Path.Combine(directory, "status")) is { } status && ParseNamespacePids(status) is [.., var innermost] ? innermost : hostTid;
                threads.Add(new ThreadInfo(hostTid, nsTid, stat.Name, stat.CpuTicks));
            }
        }

        return threads;
    }

    /// <summary>The path of a thread's file, e.g. <c>/proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat</c>.</summary>
    public string ThreadPath(int pid, int hostTid, string file) =>
        ProcessPath(pid, "task") + "/" + hostTid.ToString(CultureInfo.InvariantCulture) + "/" + file;

    /// <summary>Parses <c>stat</c>; the command name (field 2) may hold spaces and parentheses, so fields count from the last ')'.</summary>
    public static ProcStat? ParseStat(string text)
    {
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        // fields[0] is field 3 (state), so field N is fields[N - 3]: ppid 4, utime 14, stime 15, starttime 22.
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20 || fields[0].Length != 1
            || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent)
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var utime)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var stime)
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
        {
            return null;
        }

        return new ProcStat(text[(open + 1)..close], fields[0][0], parent, utime + stime, startTime);
    }

    public static IReadOnlyList<int>? ParseNamespacePids(string status)
    {
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith("NSpid:", StringComparison.Ordinal))
            {
                continue;
            }

            var values = line["NSpid:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var pids = new List<int>(values.Length);
            foreach (var value in values)
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    return null;
                }

                pids.Add(pid);
            }

            return pids.Count > 0 ? pids : null;
        }

        return null;
    }

    /// <summary>Parses NUL-separated <c>NAME=value</c> entries; the first occurrence of a name wins, as with getenv.</summary>
    public static IReadOnlyDictionary<string, string> ParseEnvironment(ReadOnlySpan<byte> bytes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOf((byte)0);
            var entry = end < 0 ? bytes : bytes[..end];
            bytes = end < 0 ? [] : bytes[(end + 1)..];
            var equals = entry.IndexOf((byte)'=');
            if (equals <= 0)
            {
                continue;
            }

            result.TryAdd(Encoding.UTF8.GetString(entry[..equals]), Encoding.UTF8.GetString(entry[(equals + 1)..]));
        }

        return result;
    }

    private string ProcessPath(int pid, string file) => ProcessDirectory(pid) + "/" + file;

    private string? ReadText(int pid, string file)
    {
        try
        {
            return File.ReadAllText(ProcessPath(pid, file));
        }
        catch (Exception e) when (IsGone(e, pid))
        {
            return null;
        }
    }

    private static string? TryReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private byte[]? ReadBytes(int pid, string file, int limit)
    {
        try
        {
            using var stream = new FileStream(ProcessPath(pid, file), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while (buffer.Length < limit && (read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, (int)Math.Min(read, limit - buffer.Length));
            }

            return buffer.ToArray();
        }
        catch (Exception e) when (IsGone(e, pid))
        {
            return null;
        }
    }

    /// <summary>
    /// A read failed because the process exited (ENOENT, or ESRCH on a half-torn-down process) rather than for
    /// lack of privileges, which the caller must see.
    /// </summary>
    private bool IsGone(Exception e, int pid) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => true,
        UnauthorizedAccessException => false,
        IOException => !Directory.Exists(ProcessDirectory(pid)),
        _ => false,
    };
}

/// <param name="HostTid">Thread ID as the collector sees it.</param>
/// <param name="NamespaceTid">Thread ID inside the target's PID namespace (what EventPipe events carry).</param>
/// <param name="Name">The kernel's thread name (<c>comm</c>, at most 15 characters).</param>
/// <param name="CpuTicks">utime + stime in clock ticks.</param>
internal readonly record struct ThreadInfo(int HostTid, int NamespaceTid, string Name, long CpuTicks);

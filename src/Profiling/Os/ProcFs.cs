using System.Globalization;

namespace Flamewatch.Profiling.Os;

/// <summary>
/// Reads what the collector needs from Linux <c>/proc</c>: process start time, threads with their namespace
/// thread IDs, names and CPU time. Every reader returns <c>null</c> or an empty result when the file is gone or
/// unreadable (the process exited, or permissions forbid it) instead of throwing.
/// </summary>
internal static class ProcFs
{
    /// <summary>Clock ticks per second of utime/stime (USER_HZ; 100 on every Linux ABI .NET runs on).</summary>
    internal const long ClockTicksPerSecond = 100;

    internal static string Root { get; set; } = "/proc";

    internal static bool Exists(int pid) => Directory.Exists(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The process exists and is neither a zombie nor dead (a killed process lingers as one until reaped).</summary>
    internal static bool IsAlive(int pid) => Exists(pid) && State(pid) is not ('Z' or 'X');

    /// <summary>Field 22 of <c>/proc/&lt;pid&gt;/stat</c> (start time in clock ticks after boot), or null.</summary>
    internal static ulong? StartTime(int pid)
    {
        var stat = TryRead(Path.Combine(Root, Pid(pid), "stat"));
        return stat is null ? null : ParseStat(stat)?.StartTime;
    }

    /// <summary>The state letter of <c>/proc/&lt;pid&gt;/stat</c> (R, S, Z, ...), or null when unreadable.</summary>
    internal static char? State(int pid)
    {
        var stat = TryRead(Path.Combine(Root, Pid(pid), "stat"));
        var close = stat?.LastIndexOf(')') ?? -1;
        return close > 0 && close + 2 < stat!.Length ? stat[close + 2] : null;
    }

    /// <summary>The PID the process sees itself as (innermost NSpid), or null when unreadable.</summary>
    internal static int? NamespacePid(int pid)
    {
        var status = TryRead(Path.Combine(Root, Pid(pid), "status"));
        return status is null ? null : ParseInnermostNsPid(status);
    }

    /// <summary>Threads of a process: host TID, TID inside the process's PID namespace, name, CPU ticks.</summary>
    internal static IReadOnlyList<ThreadInfo> Threads(int pid)
    {
        var taskDir = Path.Combine(Root, Pid(pid), "task");
        string[] entries;
        try
        {
            entries = Directory.GetDirectories(taskDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        var threads = new List<ThreadInfo>(entries.Length);
        foreach (var dir in entries)
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var hostTid))
            {
                continue;
            }
            var stat = TryRead(Path.Combine(dir, "stat"));
            var parsed = stat is null ? null : ParseStat(stat);
            if (parsed is null)
            {
                continue;
            }
            var status = TryRead(Path.Combine(dir, "status"));
            var nsTid = status is null ? hostTid : ParseInnermostNsPid(status) ?? hostTid;
            threads.Add(new ThreadInfo(hostTid, nsTid, parsed.Value.Name, parsed.Value.CpuTicks));
        }
        return threads;
    }

    /// <summary>The innermost value of the <c>NSpid:</c> line of a status file (the ID the process itself sees).</summary>
    internal static int? ParseInnermostNsPid(string status)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("NSpid:"))
            {
                continue;
            }
            var fields = line["NSpid:".Length..].Trim();
            var last = fields.LastIndexOfAny(' ', '\t');
            var value = last < 0 ? fields : fields[(last + 1)..];
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
        return null;
    }

    /// <summary>Parses a stat line: the name sits in parentheses and may itself contain spaces or parentheses.</summary>
    internal static (string Name, long CpuTicks, ulong StartTime)? ParseStat(string stat)
    {
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }
        var name = stat[(open + 1)..close];
        // Fields after ")" start at field 3 (state); utime = 14, stime = 15, starttime = 22.
        var rest = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length < 20
            || !long.TryParse(rest[11], NumberStyles.None, CultureInfo.InvariantCulture, out var utime)
            || !long.TryParse(rest[12], NumberStyles.None, CultureInfo.InvariantCulture, out var stime)
            || !ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }
        return (name, utime + stime, start);
    }

    /// <summary>Environment of a process (NUL-separated <c>environ</c>), or null when unreadable.</summary>
    internal static Dictionary<string, string>? Environment(int pid)
    {
        var raw = TryRead(Path.Combine(Root, Pid(pid), "environ"));
        if (raw is null)
        {
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in raw.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[entry[..eq]] = entry[(eq + 1)..];
            }
        }
        return result;
    }

    /// <summary>Whether the process has the CoreCLR runtime mapped (a .NET process), or null when unreadable.</summary>
    internal static bool? HasCoreClr(int pid)
    {
        return Maps(pid)?.Contains("libcoreclr.so", StringComparison.Ordinal);
    }

    /// <summary>The text of <c>/proc/&lt;pid&gt;/maps</c>, or null when unreadable.</summary>
    internal static string? Maps(int pid) => TryRead(Path.Combine(Root, Pid(pid), "maps"));

    /// <summary>A path of the process's own filesystem, seen from here (through <c>/proc/&lt;pid&gt;/root</c>).</summary>
    internal static string InRoot(int pid, string path) => Path.Join(Root, Pid(pid), "root", path);

    internal static bool CanRead(int pid, string file)
    {
        try
        {
            using var stream = File.OpenRead(Path.Combine(Root, Pid(pid), file));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Pid(int pid) => pid.ToString(CultureInfo.InvariantCulture);

    private static string? TryRead(string path)
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
}

/// <param name="HostTid">Thread ID as the collector sees it.</param>
/// <param name="NamespaceTid">Thread ID inside the target's PID namespace (what EventPipe events carry).</param>
/// <param name="Name">The kernel's thread name (<c>comm</c>, at most 15 characters).</param>
/// <param name="CpuTicks">utime + stime in clock ticks.</param>
internal readonly record struct ThreadInfo(int HostTid, int NamespaceTid, string Name, long CpuTicks);

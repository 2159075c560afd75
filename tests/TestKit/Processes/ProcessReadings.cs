using System.Globalization;

namespace Flamewatch.TestKit.Processes;

/// <summary>What /proc tells about a Linux process: resident memory, open descriptors, CPU time.</summary>
public static class ProcessReadings
{
    /// <summary>Resident set size in bytes (<c>VmRSS</c>).</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return Kilobytes(line, "VmRSS:") * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS");
    }

    /// <summary>
    /// Resident bytes by kind (<c>RssAnon</c>: heaps and stacks, managed and native; <c>RssFile</c>: mapped code and
    /// other files, shared with other processes that map them).
    /// </summary>
    public static (long Anonymous, long File) ResidentBreakdown(int pid)
    {
        long anonymous = 0, file = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anonymous = Kilobytes(line, "RssAnon:") * 1024;
            }
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file = Kilobytes(line, "RssFile:") * 1024;
            }
        }

        return (anonymous, file);
    }

    private static long Kilobytes(string line, string key) => long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    public static int OpenFileDescriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>Open descriptors by kind ("socket", "pipe", "anon_inode:[eventfd]", a file's directory, ...).</summary>
    public static Dictionary<string, int> FileDescriptorKinds(int pid)
    {
        var kinds = new Dictionary<string, int>();
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            if (target is null)
            {
                continue;
            }
            var bracket = target.IndexOf(":[", StringComparison.Ordinal);
            var kind = target.StartsWith("anon_inode:", StringComparison.Ordinal) ? target
                : bracket > 0 ? target[..bracket]
                : IsCode(target) ? "code " + Path.GetFileName(target)
                : Path.GetDirectoryName(target) ?? target;
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }
        return kinds;
    }

    /// <summary>
    /// Descriptors that can leak: the runtime keeps one open per loaded assembly or native library, and loads them
    /// lazily (a code path first taken after many cycles adds a few), so those are left out.
    /// </summary>
    public static int LeakableFileDescriptors(int pid) => FileDescriptorKinds(pid).Where(k => !k.Key.StartsWith("code ", StringComparison.Ordinal)).Sum(k => k.Value);

    private static bool IsCode(string path) => path.EndsWith(".dll", StringComparison.Ordinal) || path.EndsWith(".so", StringComparison.Ordinal) || path.Contains(".so.", StringComparison.Ordinal);

    /// <summary>What changed between two <see cref="FileDescriptorKinds"/> snapshots, e.g. "socket +2, pipe -1".</summary>
    public static string Difference(Dictionary<string, int> before, Dictionary<string, int> after) =>
        string.Join(", ", before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Select(k => (Kind: k, Delta: after.GetValueOrDefault(k) - before.GetValueOrDefault(k)))
            .Where(d => d.Delta != 0).Select(d => $"{d.Kind} {d.Delta:+0;-0}")) is { Length: > 0 } text ? text : "none";

    /// <summary>User + system CPU time in clock ticks (1/100 s), from <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>The parent's PID (field 4 of <c>/proc/&lt;pid&gt;/stat</c>), or null when the process is gone.</summary>
    public static int? ParentPid(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The command line's arguments (empty when the process is gone or a kernel thread).</summary>
    public static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>PIDs of every process in this PID namespace.</summary>
    public static IEnumerable<int> ProcessIds()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Bytes as whole mebibytes, e.g. <c>"42 MiB"</c>.</summary>
    public static string MiB(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) + " MiB";
}

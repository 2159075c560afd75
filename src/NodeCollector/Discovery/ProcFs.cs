using System.Globalization;
using System.Text;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// Reads the parts of a procfs that discovery needs. The root is injectable: production uses the host's
/// <c>/proc</c> (the collector runs with hostPID); tests use the real <c>/proc</c> or a directory tree laid out like it.
/// Methods return <see langword="null"/> when the process no longer exists and let
/// <see cref="UnauthorizedAccessException"/> through when the caller lacks the privileges to read it.
/// </summary>
internal sealed class ProcFs
{
    /// <summary>Environment files are read up to this size; larger ones are cut (kernel limit is far below).</summary>
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
            var name = Path.GetFileName(entry.AsSpan());
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>The path through which the process's own root file system is reached (<c>/proc/&lt;pid&gt;/root</c>).</summary>
    public string ProcessRoot(int pid) => ProcessPath(pid, "root");

    public ProcStat? ReadStat(int pid) => ReadText(pid, "stat") is { } text ? ParseStat(text) : null;

    public string? ReadCgroup(int pid) => ReadText(pid, "cgroup");

    /// <summary>The process's PID in each nested PID namespace, outermost first (the <c>NSpid</c> line of <c>status</c>).</summary>
    public IReadOnlyList<int>? ReadNamespacePids(int pid) => ReadText(pid, "status") is { } text ? ParseNamespacePids(text) : null;

    /// <summary>The environment the process started with (<c>environ</c>).</summary>
    public IReadOnlyDictionary<string, string>? ReadEnvironment(int pid)
    {
        var bytes = ReadBytes(pid, "environ", MaxEnvironmentBytes);
        return bytes is null ? null : ParseEnvironment(bytes);
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

    /// <summary>Parses <c>stat</c>; the command name (field 2) may hold spaces and parentheses, so fields count from the last ')'.</summary>
    public static ProcStat? ParseStat(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // fields[0] is field 3 (state), so field N is fields[N - 3].
        if (fields.Length < 20 || fields[0].Length != 1 ||
            !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent) ||
            !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
        {
            return null;
        }

        return new ProcStat(fields[0][0], parent, startTime);
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

            var name = Encoding.UTF8.GetString(entry[..equals]);
            result.TryAdd(name, Encoding.UTF8.GetString(entry[(equals + 1)..]));
        }

        return result;
    }

    private string ProcessPath(int pid, string file) => Root + "/" + pid.ToString(CultureInfo.InvariantCulture) + "/" + file;

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
        IOException => !Directory.Exists(Root + "/" + pid.ToString(CultureInfo.InvariantCulture)),
        _ => false,
    };
}

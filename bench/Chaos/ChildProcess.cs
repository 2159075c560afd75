using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Flamewatch.Bench.Chaos;

/// <summary>A .NET executable of this build started as its own process, with its output lines kept.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public ConcurrentQueue<string> Lines { get; } = new();

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ChildProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var child = new ChildProcess(Process.Start(start)!);
        child._process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    public async Task WaitForLineAsync(string contains, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Lines.Any(l => l.Contains(contains, StringComparison.Ordinal)))
        {
            if (clock.Elapsed > timeout || _process.HasExited)
            {
                throw new InvalidOperationException($"no line with '{contains}' (exited: {_process.HasExited}); last: {string.Join(" | ", Lines.TakeLast(5))}");
            }
            await Task.Delay(50);
        }
    }

    public long ResidentBytes() => Proc.ResidentBytes(_process.Id);

    public int OpenFileDescriptors() => Proc.OpenFileDescriptors(_process.Id);

    public int LeakableFileDescriptors() => Proc.LeakableFileDescriptors(_process.Id);

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null && Lines.Count < 100_000)
        {
            Lines.Enqueue(line);
        }
    }
}

/// <summary>/proc readings.</summary>
internal static class Proc
{
    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    public static int OpenFileDescriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>Open descriptors by kind ("socket", "pipe", "anon_inode:[eventfd]", a file's directory, ...).</summary>
    public static Dictionary<string, int> FileDescriptorKinds(int pid)
    {
        var kinds = new Dictionary<string, int>();
        foreach (var fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
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

    public static string MiB(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) + " MiB";

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

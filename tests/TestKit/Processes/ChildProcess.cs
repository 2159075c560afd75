using System.Collections.Concurrent;
using System.Diagnostics;

namespace Flamewatch.TestKit.Processes;

/// <summary>
/// A long-running child process (a Flamewatch executable, a target app) whose output lines, stdout and stderr
/// interleaved, are kept (up to <see cref="MaxLines"/>). Disposing kills the process tree.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    public const int MaxLines = 100_000;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ChildProcess(Process process) => _process = process;

    /// <summary>Every output line so far (a snapshot can be enumerated while lines arrive).</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Raised on the reader's thread for every output line.</summary>
    public event Action<string>? LineReceived;

    /// <summary>
    /// Runs an assembly of this build (next to the running one, e.g. <c>flamewatch-collector.dll</c>) with the
    /// <c>dotnet</c> host that runs this process.
    /// </summary>
    /// <param name="environment">Variables to set.</param>
    public static ChildProcess Start(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        StartProgram(DotNetHost, [AssemblyPath(assembly), .. arguments], environment);

    /// <summary>Runs any program.</summary>
    /// <param name="environment">Variables to set.</param>
    public static ChildProcess StartProgram(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName));
        child._process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The <c>dotnet</c> host running this process (or <c>dotnet</c> from PATH when this process is an app host).</summary>
    public static string DotNetHost =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>An assembly of this build, next to the running one; a clear error when the project that builds it is not referenced.</summary>
    public static string AssemblyPath(string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assembly} is not in {AppContext.BaseDirectory}: reference the project that builds it", path);
    }

    /// <summary>Waits for an output line containing <paramref name="contains"/>; fails when the process exits first.</summary>
    public async Task WaitForLineAsync(string contains, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (!_lines.Any(l => l.Contains(contains, StringComparison.Ordinal)))
        {
            if (clock.Elapsed > timeout || _process.HasExited)
            {
                throw new InvalidOperationException($"no line with '{contains}' (exited: {_process.HasExited}); last: {Tail(5)}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The last <paramref name="count"/> lines, joined with " | ".</summary>
    public string Tail(int count) => string.Join(" | ", _lines.TakeLast(count));

    public long ResidentBytes() => ProcessReadings.ResidentBytes(_process.Id);

    public int OpenFileDescriptors() => ProcessReadings.OpenFileDescriptors(_process.Id);

    public int LeakableFileDescriptors() => ProcessReadings.LeakableFileDescriptors(_process.Id);

    /// <summary>SIGKILLs the process tree and waits for it to be gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (_lines.Count < MaxLines)
        {
            _lines.Enqueue(line);
        }

        LineReceived?.Invoke(line);
    }
}

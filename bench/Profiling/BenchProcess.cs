using System.Diagnostics;
using System.Globalization;

namespace Flamewatch.Bench.Profiling;

/// <summary>A child process whose output lines are timestamped and whose CPU and peak RSS are polled from /proc.</summary>
internal sealed class BenchProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<(DateTimeOffset At, string Line)> _lines = [];
    private readonly List<(DateTimeOffset At, long Iterations, long CpuTicks)> _ticks = [];
    private readonly Timer _poller;
    private long _lastCpuTicks;
    private long _peakRssKb;
    private long _peakPrivateKb;

    public BenchProcess(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove("DOTNET_EventPipeThreadSamplingRate");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _poller = new Timer(_ => Poll(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
    }

    public int Pid => _process.Id;

    /// <summary>The PID of the .NET process itself (the child of taskset, which execs: the same PID).</summary>
    public long CpuTicks => Interlocked.Read(ref _lastCpuTicks);

    public long PeakRssKb => Interlocked.Read(ref _peakRssKb);

    /// <summary>Peak private memory (Private_Clean + Private_Dirty of smaps_rollup): what this process adds beyond
    /// the runtime files it shares with every other .NET process on the node.</summary>
    public long PeakPrivateKb => Interlocked.Read(ref _peakPrivateKb);

    public async Task<DateTimeOffset> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            lock (_lines)
            {
                var hit = _lines.FirstOrDefault(l => l.Line.StartsWith(prefix, StringComparison.Ordinal));
                if (hit.Line is not null)
                {
                    return hit.At;
                }
            }
            if (_process.HasExited)
            {
                break;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"no line starting with '{prefix}' from {_process.StartInfo.FileName}; got:\n{string.Join("\n", Lines())}");
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_lines)
        {
            return [.. _lines.Select(l => l.Line)];
        }
    }

    /// <summary>Mean of "tick iterations=N" values received within (from, to].</summary>
    public double MeanIterations(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lines)
        {
            var values = _lines.Where(l => l.At > from && l.At <= to && l.Line.StartsWith("tick iterations=", StringComparison.Ordinal))
                .Select(l => double.Parse(l.Line["tick iterations=".Length..].Split(' ')[0], CultureInfo.InvariantCulture)).ToList();
            return values.Count == 0 ? double.NaN : values.Average();
        }
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        _poller.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        var at = DateTimeOffset.UtcNow;
        lock (_lines)
        {
            _lines.Add((at, line));
        }
        if (line.StartsWith("tick iterations=", StringComparison.Ordinal))
        {
            var iterations = long.Parse(line["tick iterations=".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
            lock (_ticks)
            {
                _ticks.Add((at, iterations, ReadCpuTicks() ?? -1));
            }
        }
    }

    /// <summary>
    /// Hot-loop iterations per CPU-second the whole target process received within (from, to]. Unlike iterations per
    /// wall second this does not depend on how much of its core other processes took: it drops only by what the
    /// target itself spends on being profiled (the sampler's stop-the-world stack walks, event writing).
    /// </summary>
    public double IterationsPerCpuSecond(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_ticks)
        {
            var inside = _ticks.Select((t, i) => (t, i)).Where(x => x.t.At > from && x.t.At <= to && x.i > 0).ToList();
            if (inside.Count < 2)
            {
                return double.NaN;
            }
            var first = inside[0].i;
            var last = inside[^1].i;
            var iterations = _ticks.Skip(first).Take(last - first + 1).Sum(t => t.Iterations);
            var cpu = (_ticks[last].CpuTicks - _ticks[first - 1].CpuTicks) / 100.0;
            return cpu > 0 ? iterations / cpu : double.NaN;
        }
    }

    private long? ReadCpuTicks()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private void Poll()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Interlocked.Exchange(ref _lastCpuTicks, long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    if (kb > Interlocked.Read(ref _peakRssKb))
                    {
                        Interlocked.Exchange(ref _peakRssKb, kb);
                    }
                }
            }
            long privateKb = 0;
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/smaps_rollup"))
            {
                if (line.StartsWith("Private_Clean:", StringComparison.Ordinal) || line.StartsWith("Private_Dirty:", StringComparison.Ordinal))
                {
                    privateKb += long.Parse(line[(line.IndexOf(':') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
            if (privateKb > Interlocked.Read(ref _peakPrivateKb))
            {
                Interlocked.Exchange(ref _peakPrivateKb, privateKb);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            // The process is gone; keep the last values.
        }
    }
}

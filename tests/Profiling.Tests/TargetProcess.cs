using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Flamewatch.Profiling.Tests;

/// <summary>Runs the test target app as a real process and follows its "ready" and "tick" lines.</summary>
internal sealed partial class TargetProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Tick> _ticks = [];

    private TargetProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "Flamewatch.TestKit.TargetApp.dll");

    public static async Task<TargetProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null, params string[] scenarios)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(AppPath);
        foreach (var scenario in scenarios)
        {
            info.ArgumentList.Add(scenario);
        }
        info.Environment.Remove("DOTNET_EventPipeThreadSamplingRate");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var target = new TargetProcess(Process.Start(info)!);
        target._process.OutputDataReceived += (_, e) => target.OnLine(e.Data);
        target._process.ErrorDataReceived += (_, _) => { };
        target._process.BeginOutputReadLine();
        target._process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await target._ready.Task.WaitAsync(timeout.Token);
        return target;
    }

    /// <summary>Bytes/s the target really allocated between two instants, from its cumulative counters.</summary>
    public double AllocatedBytesPerSecond(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_ticks)
        {
            var before = _ticks.LastOrDefault(t => t.At <= from) ?? _ticks.First();
            var after = _ticks.FirstOrDefault(t => t.At >= to) ?? _ticks.Last();
            return (after.Bytes - before.Bytes) / (after.At - before.At).TotalSeconds;
        }
    }

    /// <summary>Hot-loop iterations per second in the last <paramref name="seconds"/> ticks.</summary>
    public double IterationsPerSecond(int seconds)
    {
        lock (_ticks)
        {
            return _ticks.TakeLast(seconds).Average(t => t.Iterations);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line.StartsWith("ready pid=", StringComparison.Ordinal))
        {
            _ready.TrySetResult(int.Parse(line["ready pid=".Length..], CultureInfo.InvariantCulture));
            return;
        }
        var match = TickLine().Match(line);
        if (match.Success)
        {
            var tick = new Tick(DateTimeOffset.UtcNow, long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) + long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
            lock (_ticks)
            {
                _ticks.Add(tick);
            }
        }
    }

    [GeneratedRegex(@"^tick iterations=(\d+) retained=(\d+) transient=(\d+)$")]
    private static partial Regex TickLine();

    private sealed record Tick(DateTimeOffset At, long Iterations, long Bytes);
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Flamewatch.TestKit.Runtimes;

namespace Flamewatch.TestKit.Profiles;

/// <summary>Runs the test target app as a real process and follows its "ready" and "tick" lines.</summary>
public sealed partial class TargetProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Tick> _ticks = [];

    private TargetProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "Flamewatch.TestKit.TargetApp.dll");

    public static Task<TargetProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null, params string[] scenarios) =>
        StartAsync(null, environment, scenarios);

    /// <summary>Starts the target app built for <paramref name="framework"/> (self-contained, see <see cref="TargetRuntimes"/>).</summary>
    public static async Task<TargetProcess> StartOnAsync(string framework, params string[] scenarios) =>
        await StartAsync(await TargetRuntimes.TargetAppAsync(framework), null, scenarios);

    private static async Task<TargetProcess> StartAsync(string? executable, IReadOnlyDictionary<string, string>? environment, string[] scenarios)
    {
        var info = new ProcessStartInfo(executable ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (executable is null)
        {
            info.ArgumentList.Add(AppPath);
        }
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
    public double AllocatedBytesPerSecond(DateTimeOffset from, DateTimeOffset to) =>
        (CumulativeAt(to, t => t.Bytes) - CumulativeAt(from, t => t.Bytes)) / (to - from).TotalSeconds;

    /// <summary>Bytes the retaining site allocated between two instants (it keeps the latest of them alive).</summary>
    public double RetainedBytesAllocated(DateTimeOffset from, DateTimeOffset to) =>
        CumulativeAt(to, t => t.RetainedBytes) - CumulativeAt(from, t => t.RetainedBytes);

    /// <summary>Bytes the large retaining site allocated between two instants (it keeps the latest of them alive).</summary>
    public double LargeRetainedBytesAllocated(DateTimeOffset from, DateTimeOffset to) =>
        CumulativeAt(to, t => t.LargeRetainedBytes) - CumulativeAt(from, t => t.LargeRetainedBytes);

    /// <summary>Exceptions thrown at a site (<c>often</c>, <c>sometimes</c>, <c>format</c> or <c>storm</c>) between two instants.</summary>
    public double Thrown(string site, DateTimeOffset from, DateTimeOffset to)
    {
        Func<Tick, long> counter = site switch
        {
            "often" => t => t.Often,
            "sometimes" => t => t.Sometimes,
            "format" => t => t.Format,
            "storm" => t => t.Storm,
            _ => throw new ArgumentOutOfRangeException(nameof(site), site, "unknown throw site"),
        };
        return CumulativeAt(to, counter) - CumulativeAt(from, counter);
    }

    /// <summary>Time (ns) the app's waiters spent entering their shared lock between two instants, as the app measured it.</summary>
    public double LockWaitNanoseconds(DateTimeOffset from, DateTimeOffset to) =>
        CumulativeAt(to, t => t.LockWaitNs) - CumulativeAt(from, t => t.LockWaitNs);

    /// <summary>Acquisitions of the shared lock that waited, between two instants.</summary>
    public double LockWaits(DateTimeOffset from, DateTimeOffset to) =>
        CumulativeAt(to, t => t.LockWaits) - CumulativeAt(from, t => t.LockWaits);

    /// <summary>Contended lock entries the runtime counted (<c>Monitor.LockContentionCount</c>) between two instants.</summary>
    public double LockContentions(DateTimeOffset from, DateTimeOffset to) =>
        CumulativeAt(to, t => t.Contentions) - CumulativeAt(from, t => t.Contentions);

    /// <summary>A cumulative counter at an instant, interpolated between the once-a-second ticks (extrapolated past the last).</summary>
    private double CumulativeAt(DateTimeOffset at, Func<Tick, long> counter)
    {
        lock (_ticks)
        {
            var after = _ticks.FindIndex(t => t.At >= at);
            var (i, j) = after switch
            {
                < 0 => (_ticks.Count - 2, _ticks.Count - 1),
                0 => (0, 1),
                _ => (after - 1, after),
            };
            if (i < 0 || j >= _ticks.Count)
            {
                return counter(_ticks[^1]);
            }
            var (a, b) = (_ticks[i], _ticks[j]);
            var fraction = (at - a.At) / (b.At - a.At);
            return counter(a) + (fraction * (counter(b) - counter(a)));
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
            long Group(int i) => long.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture);
            var retained = Group(2);
            // The app's own clock at the reading: a line that reaches us late on a loaded machine still counts at its instant.
            var at = DateTimeOffset.FromUnixTimeMilliseconds(Group(12));
            var tick = new Tick(at, Group(1), retained + Group(3), retained, Group(4))
            {
                Often = Group(5),
                Sometimes = Group(6),
                Format = Group(7),
                Storm = Group(8),
                LockWaits = Group(9),
                LockWaitNs = Group(10),
                Contentions = Group(11),
            };
            lock (_ticks)
            {
                _ticks.Add(tick);
            }
        }
    }

    [GeneratedRegex(@"^tick iterations=(\d+) retained=(\d+) transient=(\d+) large=(\d+) exceptions=(\d+)/(\d+)/(\d+)/(\d+) lockwaits=(\d+) lockwaitns=(\d+) contentions=(\d+) at=(\d+)$")]
    private static partial Regex TickLine();

    private sealed record Tick(DateTimeOffset At, long Iterations, long Bytes, long RetainedBytes, long LargeRetainedBytes)
    {
        public long Often { get; init; }
        public long Sometimes { get; init; }
        public long Format { get; init; }
        public long Storm { get; init; }
        public long LockWaits { get; init; }
        public long LockWaitNs { get; init; }
        public long Contentions { get; init; }
    }
}

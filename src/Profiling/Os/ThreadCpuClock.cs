using Flamewatch.Profiling.Aggregation;

namespace Flamewatch.Profiling.Os;

/// <summary>Per-thread CPU time of one process from <c>/proc/&lt;pid&gt;/task</c>, measured lap by lap (one lap per period).</summary>
internal sealed class ThreadCpuClock(int pid, ProcFs procFs)
{
    private static readonly long NanosecondsPerTick = 1_000_000_000 / ProcFs.ClockTicksPerSecond;

    private Dictionary<int, long> _lapStart = [];

    /// <summary>Starts the first lap now.</summary>
    public void Start() => _lapStart = Read(out _);

    /// <summary>Each live thread's name and CPU time since the previous lap (null when unreadable); starts the next lap.</summary>
    public Dictionary<int, ThreadCpu> Lap()
    {
        var now = Read(out var names);
        var threads = new Dictionary<int, ThreadCpu>(now.Count);
        foreach (var (tid, ticks) in now)
        {
            threads[tid] = new ThreadCpu(names[tid], ticks >= 0 ? (ticks - _lapStart.GetValueOrDefault(tid)) * NanosecondsPerTick : null);
        }
        _lapStart = now;
        return threads;
    }

    private Dictionary<int, long> Read(out Dictionary<int, string> names)
    {
        var ticks = new Dictionary<int, long>();
        names = [];
        foreach (var thread in procFs.Threads(pid))
        {
            ticks[thread.NamespaceTid] = thread.CpuTicks;
            names[thread.NamespaceTid] = thread.Name;
        }
        return ticks;
    }
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Flamewatch.Profiling.Os;

/// <summary>
/// The kernel's account of each thread's CPU time (<c>/proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat</c>, nanoseconds),
/// read every few milliseconds while the runtime's sampler runs, so that a thread sample can be told to have been on
/// or off CPU: its CPU share is the thread's CPU time over the sample's interval ÷ that interval. The runtime's own
/// flag is no use for that on every runtime (.NET 9 marks most samples of a busy loop "external", like those of a
/// sleeping thread). Readings use the monotonic clock that EventPipe timestamps use; a few seconds are kept, which
/// covers the stream's delivery delay. Polling runs only between <see cref="Resume"/> and <see cref="Pause"/>.
/// Thread-safe.
/// </summary>
internal sealed class ThreadCpuSampler : IDisposable
{
    private static readonly long KeptTimestamps = Stopwatch.Frequency * 5;
    private static readonly long ThreadListAge = Stopwatch.Frequency;

    private readonly int _pid;
    private readonly ProcFs _procFs;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Readings> _byThread = [];
    private readonly Dictionary<int, (int NamespaceTid, SafeFileHandle Handle)> _files = [];
    private readonly ManualResetEventSlim _running = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _poller;
    private readonly byte[] _buffer = new byte[128];
    private long? _threadsListedAt;

    public ThreadCpuSampler(int pid, ProcFs procFs, TimeSpan interval)
    {
        _pid = pid;
        _procFs = procFs;
        _interval = interval;
        _poller = new Thread(Poll) { IsBackground = true, Name = $"flamewatch-{pid}-cpu" };
        _poller.Start();
    }

    /// <summary>Readings taken so far (for tests and statistics).</summary>
    public long ReadingCount { get; private set; }

    public void Resume() => _running.Set();

    public void Pause() => _running.Reset();

    /// <summary>
    /// The share of [<paramref name="from"/>, <paramref name="to"/>] (monotonic timestamps) the thread spent on a CPU,
    /// interpolated between readings; null when no reading brackets that interval.
    /// </summary>
    public double? CpuShare(int namespaceTid, long from, long to)
    {
        if (to <= from)
        {
            return null;
        }
        lock (_lock)
        {
            if (!_byThread.TryGetValue(namespaceTid, out var readings) || readings.Count < 2
                || readings.Time(0) > from || readings.Time(readings.Count - 1) < to)
            {
                return null;
            }
            var cpu = readings.CpuAt(to) - readings.CpuAt(from);
            var nanoseconds = (to - from) * 1e9 / Stopwatch.Frequency;
            return Math.Clamp(cpu / nanoseconds, 0, 1);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _running.Set();
        _poller.Join();
        foreach (var (_, handle) in _files.Values)
        {
            handle.Dispose();
        }
        _running.Dispose();
        _stop.Dispose();
    }

    private void Poll()
    {
        while (!_stop.IsCancellationRequested)
        {
            _running.Wait();
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            ReadAll();
            Thread.Sleep(_interval);
        }
    }

    private void ReadAll()
    {
        var now = Stopwatch.GetTimestamp();
        if (_threadsListedAt is not { } listed || now - listed > ThreadListAge)
        {
            ListThreads();
            _threadsListedAt = now;
        }
        List<int>? gone = null;
        foreach (var (hostTid, (namespaceTid, handle)) in _files)
        {
            var cpu = ReadRunNanoseconds(handle);
            var at = Stopwatch.GetTimestamp();
            if (cpu is null)
            {
                (gone ??= []).Add(hostTid);
                continue;
            }
            lock (_lock)
            {
                if (!_byThread.TryGetValue(namespaceTid, out var readings))
                {
                    _byThread[namespaceTid] = readings = new Readings();
                }
                readings.Add(at, cpu.Value, at - KeptTimestamps);
                ReadingCount++;
            }
        }
        foreach (var hostTid in gone ?? [])
        {
            _files[hostTid].Handle.Dispose();
            _files.Remove(hostTid);
        }
    }

    private void ListThreads()
    {
        foreach (var thread in _procFs.Threads(_pid))
        {
            if (_files.ContainsKey(thread.HostTid))
            {
                continue;
            }
            try
            {
                var path = _procFs.ThreadPath(_pid, thread.HostTid, "schedstat");
                _files[thread.HostTid] = (thread.NamespaceTid, File.OpenHandle(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone already, or not ours to read: its samples fall back to the runtime's flag.
            }
        }
    }

    /// <summary>The first field of schedstat: time spent on a CPU, in nanoseconds.</summary>
    private long? ReadRunNanoseconds(SafeFileHandle handle)
    {
        try
        {
            var read = RandomAccess.Read(handle, _buffer, 0);
            var text = _buffer.AsSpan(0, read);
            var space = text.IndexOf((byte)' ');
            return space > 0 && long.TryParse(text[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>One thread's readings, oldest first, older than the kept window dropped in batches.</summary>
    private sealed class Readings
    {
        private readonly List<(long Time, long Cpu)> _items = [];

        public int Count => _items.Count;

        public long Time(int index) => _items[index].Time;

        public void Add(long time, long cpu, long keepAfter)
        {
            _items.Add((time, cpu));
            if (_items.Count > 4096 && _items[0].Time < keepAfter)
            {
                var drop = _items.FindIndex(r => r.Time >= keepAfter);
                _items.RemoveRange(0, drop < 0 ? _items.Count - 1 : drop);
            }
        }

        /// <summary>CPU time at an instant within the readings, interpolated linearly.</summary>
        public double CpuAt(long time)
        {
            var (low, high) = (0, _items.Count - 1);
            var index = -1;
            while (low <= high)
            {
                var middle = low + ((high - low) / 2);
                if (_items[middle].Time <= time)
                {
                    index = middle;
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }
            if (index < 0)
            {
                return _items[0].Cpu;
            }
            if (index >= _items.Count - 1)
            {
                return _items[^1].Cpu;
            }
            var (a, b) = (_items[index], _items[index + 1]);
            return a.Cpu + ((b.Cpu - a.Cpu) * (double)(time - a.Time) / Math.Max(1, b.Time - a.Time));
        }
    }
}

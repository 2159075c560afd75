using System.Diagnostics;
using System.Net.Http.Headers;

namespace Flamewatch.Bench.Agent;

/// <summary>
/// Uploads of one kind sent to the agent in blocks by concurrent clients; sums wall time, this process's CPU
/// (agent and clients), allocations and GC over the blocks, and keeps every latency.
/// </summary>
internal sealed class IngestRun(string name, List<(byte[] Body, string ContentType)> bodies)
{
    private readonly double[] _latencies = new double[bodies.Count];
    private TimeSpan _elapsed;
    private TimeSpan _cpu;
    private long _allocated;
    private int _gen0;
    private int _gen2;
    private TimeSpan _pause;
    private int _sent;
    private int _failures;

    public double UploadsPerSecond => _sent / _elapsed.TotalSeconds;

    public double CpuPerUpload => _cpu.TotalMilliseconds / _sent;

    public double Megabytes => bodies.Sum(b => (long)b.Body.Length) / 1024.0 / 1024.0;

    public async Task SendAsync(HttpClient client, int from, int count, int clients)
    {
        var next = from - 1;
        var end = Math.Min(from + count, bodies.Count);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var gcBefore = (Gen0: GC.CollectionCount(0), Gen2: GC.CollectionCount(2), Pause: GC.GetTotalPauseDuration());
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < end)
            {
                var t = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(bodies[i].Body);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(bodies[i].ContentType);
                using var response = await client.PostAsync("/profiling/v1/input", content);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _failures);
                }
                _latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
        })));
        _elapsed += clock.Elapsed;
        _cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        _allocated += GC.GetTotalAllocatedBytes() - allocatedBefore;
        _gen0 += GC.CollectionCount(0) - gcBefore.Gen0;
        _gen2 += GC.CollectionCount(2) - gcBefore.Gen2;
        _pause += GC.GetTotalPauseDuration() - gcBefore.Pause;
        _sent += end - from;
    }

    public string Report(int clients)
    {
        var latencies = _latencies[.._sent];
        Array.Sort(latencies);
        return $"ingest {name}: {_sent} uploads ({Megabytes:0} MB) from {clients} concurrent clients in {_elapsed.TotalSeconds:0.0} s "
            + $"= {UploadsPerSecond:0} uploads/s ({Megabytes / _elapsed.TotalSeconds:0} MB/s); "
            + $"latency p50 {latencies[latencies.Length / 2]:0} ms, p99 {latencies[(int)(latencies.Length * 0.99)]:0} ms; failures {_failures}; "
            + $"CPU {CpuPerUpload:0.00} ms per upload (agent + clients); {_allocated / 1024.0 / _sent:0} KB allocated per upload, "
            + $"{_gen0} GCs ({_gen2} gen2), {_pause.TotalMilliseconds / _sent:0.00} ms GC pause per upload";
    }
}

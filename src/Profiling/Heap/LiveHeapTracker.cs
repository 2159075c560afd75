using Flamewatch.Profiling.Aggregation;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Flamewatch.Profiling.Heap;

/// <summary>
/// Heap live size per allocation stack, without heap snapshots: every object reported by <c>AllocationSampled</c> is
/// followed through garbage collections with the GC's own survival reports (keyword GCHeapSurvivalAndMovement:
/// <c>GCBulkSurvivingObjectRanges</c> for sweeping GCs, <c>GCBulkMovedObjectRanges</c> for compacting ones, which
/// list every surviving plug). An object in a condemned generation that no range covers died; a moved one gets its
/// new address. At period end each tracked object counts its estimated bytes (the same unbiased weight as for
/// allocated bytes) as live, so the sum estimates the bytes still live among everything allocated while attached.
/// Objects allocated before attach are not seen: the GCHeapStats gauge carries the whole heap.
/// </summary>
internal sealed class LiveHeapTracker
{
    /// <summary>GCHeapSurvivalAndMovement.</summary>
    public const long Keywords = 0x400000;

    /// <summary>Upper bound of tracked objects; beyond it new samples are not tracked (memory stays bounded).</summary>
    public const int MaxTracked = 200_000;

    private const int LargeObjectGeneration = 3;

    private Dictionary<ulong, Tracked> _tracked = [];
    private readonly Stack<GcContext> _open = new();

    public int Count => _tracked.Count;

    public void OnAllocation(ulong address, long size, double bytes, ulong[] stack, int threadId, string typeName, bool large)
    {
        if (address == 0 || _tracked.Count >= MaxTracked)
        {
            return;
        }
        _tracked[address] = new Tracked(size, bytes, stack, threadId, typeName, large ? LargeObjectGeneration : 0);
    }

    public void Subscribe(ClrTraceEventParser clr, Lock gate)
    {
        clr.GCStart += e =>
        {
            lock (gate)
            {
                OnGcStart(e.Count, e.Depth, e.Type == GCType.BackgroundGC);
            }
        };
        clr.GCBulkSurvivingObjectRanges += e =>
        {
            lock (gate)
            {
                for (var i = 0; i < e.Count; i++)
                {
                    var range = e.Values(i);
                    OnSurvived(range.RangeBase, range.RangeLength);
                }
            }
        };
        clr.GCBulkMovedObjectRanges += e =>
        {
            lock (gate)
            {
                for (var i = 0; i < e.Count; i++)
                {
                    var range = e.Values(i);
                    OnMoved(range.OldRangeBase, range.NewRangeBase, range.RangeLength);
                }
            }
        };
        clr.GCStop += e =>
        {
            lock (gate)
            {
                OnGcEnd(e.Count);
            }
        };
    }

    public void OnGcStart(int count, int condemnedGeneration, bool background) =>
        _open.Push(new GcContext(count, condemnedGeneration, background));

    public void OnSurvived(ulong start, ulong length)
    {
        if (_open.TryPeek(out var gc))
        {
            gc.Ranges.Add(new Range(start, length, start));
        }
    }

    public void OnMoved(ulong oldStart, ulong newStart, ulong length)
    {
        if (_open.TryPeek(out var gc))
        {
            gc.Ranges.Add(new Range(oldStart, length, newStart));
        }
    }

    public void OnGcEnd(int count)
    {
        GcContext? gc = null;
        while (_open.Count > 0)
        {
            var top = _open.Pop();
            if (top.Count == count)
            {
                gc = top;
                break;
            }
        }
        if (gc is null || gc.Ranges.Count == 0)
        {
            // No survival report (events lost, or a runtime without them): keep what we have rather than guess.
            return;
        }
        var ranges = gc.Ranges.ToArray();
        Array.Sort(ranges, static (a, b) => a.Start.CompareTo(b.Start));
        var survivors = new Dictionary<ulong, Tracked>(_tracked.Count);
        foreach (var (address, tracked) in _tracked)
        {
            var condemned = tracked.Generation == LargeObjectGeneration ? gc.Generation >= 2 : tracked.Generation <= gc.Generation;
            if (!condemned)
            {
                survivors[address] = tracked;
                continue;
            }
            var index = Find(ranges, address);
            if (index < 0)
            {
                continue;
            }
            var range = ranges[index];
            var moved = range.NewStart + (address - range.Start);
            var generation = tracked.Generation == LargeObjectGeneration ? LargeObjectGeneration : Math.Min(2, tracked.Generation + 1);
            survivors[moved] = tracked with { Generation = generation };
        }
        _tracked = survivors;
    }

    /// <summary>Adds every tracked (still live) object's estimated bytes to the period as live bytes.</summary>
    public void AddLiveTo(SampleAggregator period)
    {
        foreach (var tracked in _tracked.Values)
        {
            period.AddInuse(tracked.Stack, tracked.ThreadId, tracked.TypeName, tracked.Bytes);
        }
    }

    private static int Find(Range[] ranges, ulong address)
    {
        var found = SortedSearch.LastAtOrBelow(ranges, address, static r => r.Start);
        return found >= 0 && address - ranges[found].Start < ranges[found].Length ? found : -1;
    }

    private readonly record struct Tracked(long Size, double Bytes, ulong[] Stack, int ThreadId, string TypeName, int Generation);

    private readonly record struct Range(ulong Start, ulong Length, ulong NewStart);

    private sealed record GcContext(int Count, int Generation, bool Background)
    {
        public List<Range> Ranges { get; } = [];
    }
}

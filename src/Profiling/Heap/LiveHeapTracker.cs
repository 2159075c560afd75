using Flamewatch.Profiling.Aggregation;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Flamewatch.Profiling.Heap;

/// <summary>
/// Heap live size per allocation stack, without heap snapshots: every sampled object (<c>AllocationSampled</c> on
/// .NET 10, <c>GCAllocationTick</c> before) is followed through garbage collections with the GC's own survival
/// reports (keyword GCHeapSurvivalAndMovement: <c>GCBulkSurvivingObjectRanges</c> for sweeping GCs,
/// <c>GCBulkMovedObjectRanges</c> for compacting ones, which list every surviving plug, moved or not). An object in a
/// condemned generation that no range covers died; a moved one gets its new address. At period end each tracked
/// object counts its estimated bytes (the same weight as for allocated bytes) as live, so the sum estimates the bytes
/// still live among everything allocated while attached.
/// <para>Each generation is reported as of its own last collection, the way a heap snapshot taken then would have
/// shown it: young objects as of the last GC (objects allocated since are not counted: no GC has looked at them, and
/// most are garbage), and generation 2 and the large and pinned heaps as of the last gen2 GC — an object promoted
/// or allocated there since is counted once a gen2 GC has kept it, because only a gen2 GC can tell whether it died
/// there (objects that die in gen2 are what inflates a survival-based figure). Until the first gen2 GC after attach,
/// generation 2 is reported as of the last GC. So the estimate is bounded by the GC heap after the last GC.</para>
/// <para>Which objects a GC condemns: an ephemeral GC of generation g condemns the small objects of generations ≤ g;
/// a full blocking GC condemns everything; a background GC sweeps generation 2 and the large and pinned object heaps
/// only (the ephemeral GCs that run during it report for themselves). A GC that reports no surviving range at all
/// condemned only dead objects — unless events were lost while it ran, in which case nothing is dropped.</para>
/// Objects allocated before attach are not seen: the GCHeapStats gauge carries the whole heap.
/// </summary>
internal sealed class LiveHeapTracker
{
    /// <summary>GCHeapSurvivalAndMovement.</summary>
    public const long Keywords = 0x400000;

    /// <summary>Upper bound of tracked objects; beyond it new samples are not tracked (memory stays bounded).</summary>
    public const int MaxTracked = 200_000;

    private const int Gen2 = 2;

    /// <summary>Large and pinned objects: collected only by gen2 GCs, never promoted.</summary>
    private const int UncompactedHeap = 3;

    private Dictionary<ulong, Tracked> _tracked = [];
    private readonly Stack<GcContext> _open = new();
    private long _lostEvents;
    private long _completedGcs;
    private long _gen2Gcs;

    public int Count => _tracked.Count;

    /// <summary>Samples not tracked because <see cref="MaxTracked"/> was reached.</summary>
    public long Untracked { get; private set; }

    /// <summary>GCs whose survivors could not be told because events were lost (their condemned objects were kept).</summary>
    public long UncertainCollections { get; private set; }

    public void OnAllocation(ulong address, double bytes, ulong[] stack, int threadId, string typeName, GCAllocationKind kind)
    {
        if (address == 0)
        {
            return;
        }
        if (_tracked.Count >= MaxTracked)
        {
            Untracked++;
            return;
        }
        _tracked[address] = new Tracked(bytes, stack, threadId, typeName, kind == GCAllocationKind.Small ? 0 : UncompactedHeap, _completedGcs, KeptByGen2: 0);
    }

    /// <summary>Tells the tracker how many events the stream has lost so far (a GC during which that grew is uncertain).</summary>
    public void OnEventsLost(long lostSoFar) => _lostEvents = lostSoFar;

    public void Subscribe(ClrTraceEventParser clr, Lock gate, Func<long> lostEvents)
    {
        clr.GCStart += e =>
        {
            lock (gate)
            {
                OnEventsLost(lostEvents());
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
                OnEventsLost(lostEvents());
                OnGcEnd(e.Count);
            }
        };
    }

    public void OnGcStart(int count, int condemnedGeneration, bool background) =>
        _open.Push(new GcContext(count, condemnedGeneration, background, _lostEvents));

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
        if (gc is null)
        {
            // Its start was not seen (attached mid-GC): nothing is known about what it condemned.
            return;
        }
        _completedGcs++;
        if (gc.Generation >= Gen2)
        {
            _gen2Gcs++;
        }
        if (_lostEvents != gc.LostAtStart)
        {
            // Survival reports may be missing: dropping objects now could drop live ones.
            UncertainCollections++;
            return;
        }
        var ranges = gc.Ranges.ToArray();
        Array.Sort(ranges, static (a, b) => a.Start.CompareTo(b.Start));
        var survivors = new Dictionary<ulong, Tracked>(_tracked.Count);
        foreach (var (address, tracked) in _tracked)
        {
            if (!Condemns(gc, tracked.Generation))
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
            var generation = tracked.Generation == UncompactedHeap ? UncompactedHeap : Math.Min(Gen2, tracked.Generation + 1);
            survivors[moved] = tracked with { Generation = generation, KeptByGen2 = gc.Generation >= Gen2 ? _gen2Gcs : tracked.KeptByGen2 };
        }
        _tracked = survivors;
    }

    /// <summary>Estimated live bytes as of the last completed GC.</summary>
    public double TotalBytes()
    {
        var total = 0.0;
        foreach (var tracked in _tracked.Values)
        {
            if (IsReported(tracked))
            {
                total += tracked.Bytes;
            }
        }
        return total;
    }

    /// <summary>
    /// Adds the estimated bytes of every object live as of the last completed GC to the period as live bytes, each
    /// scaled by <paramref name="scale"/> (≤ 1: the estimate is bounded by the GC heap).
    /// </summary>
    public void AddLiveTo(SampleAggregator period, double scale = 1)
    {
        foreach (var tracked in _tracked.Values)
        {
            if (IsReported(tracked))
            {
                period.AddInuse(tracked.Stack, tracked.ThreadId, tracked.TypeName, tracked.Bytes * scale);
            }
        }
    }

    /// <summary>Whether an object counts as live: as of the last GC, or for generation 2 and up, as of the last gen2 GC.</summary>
    private bool IsReported(Tracked tracked)
    {
        if (tracked.AllocatedBeforeGc >= _completedGcs)
        {
            return false;
        }
        return tracked.Generation < Gen2 || _gen2Gcs == 0 || tracked.KeptByGen2 == _gen2Gcs;
    }

    private static bool Condemns(GcContext gc, int generation)
    {
        if (gc.Background)
        {
            // A background GC sweeps generation 2 and the large and pinned heaps only.
            return generation >= Gen2;
        }
        return generation == UncompactedHeap ? gc.Generation >= Gen2 : generation <= gc.Generation;
    }

    private static int Find(Range[] ranges, ulong address)
    {
        var found = SortedSearch.LastAtOrBelow(ranges, address, static r => r.Start);
        return found >= 0 && address - ranges[found].Start < ranges[found].Length ? found : -1;
    }

    /// <param name="AllocatedBeforeGc">How many GCs had completed when it was allocated.</param>
    /// <param name="KeptByGen2">The number of the last gen2 GC it survived (0: none).</param>
    private readonly record struct Tracked(double Bytes, ulong[] Stack, int ThreadId, string TypeName, int Generation, long AllocatedBeforeGc, long KeptByGen2);

    private readonly record struct Range(ulong Start, ulong Length, ulong NewStart);

    private sealed record GcContext(int Count, int Generation, bool Background, long LostAtStart)
    {
        public List<Range> Ranges { get; } = [];
    }
}

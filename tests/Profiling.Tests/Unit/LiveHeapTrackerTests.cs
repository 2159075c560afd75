using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Heap;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class LiveHeapTrackerTests
{
    private static readonly ulong[] KeptStack = [0x10, 0x20];
    private static readonly ulong[] DroppedStack = [0x30, 0x20];

    [Fact]
    public void Objects_outside_every_surviving_range_die_and_moved_ones_follow_their_range()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 1000, KeptStack, 1, "Kept", GCAllocationKind.Small);
        tracker.OnAllocation(0x5000, 2000, DroppedStack, 1, "Dropped", GCAllocationKind.Small);

        tracker.OnGcStart(1, 0, background: false);
        tracker.OnMoved(0x0f00, 0x9000, 0x200);   // covers 0x1000 → moves to 0x9100
        tracker.OnGcEnd(1);
        Assert.Equal(1, tracker.Count);

        // The survivor is now at its new address and in gen1: a gen0 GC does not condemn it.
        tracker.OnGcStart(2, 0, background: false);
        tracker.OnSurvived(0xA0000, 0x10);
        tracker.OnGcEnd(2);
        Assert.Equal(1, tracker.Count);

        // A gen1 GC condemns it; it survives in place (sweeping GC) at the moved address.
        tracker.OnGcStart(3, 1, background: false);
        tracker.OnSurvived(0x9100, 0x64);
        tracker.OnGcEnd(3);
        Assert.Equal(1, tracker.Count);

        var period = new SampleAggregator(DateTimeOffset.UnixEpoch);
        tracker.AddLiveTo(period);
        var live = Assert.Single(period.Values);
        Assert.Equal("Kept", live.Key.TypeName);
        Assert.Equal(1000, live.Value.InuseBytes);
    }

    [Fact]
    public void A_gc_in_which_nothing_survived_kills_every_condemned_object()
    {
        // The usual case of a service whose live data sits in gen2 and which otherwise allocates garbage: its gen0
        // GCs report no surviving range at all, and every sampled young object is dead.
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 1000, DroppedStack, 1, "Garbage", GCAllocationKind.Small);
        tracker.OnAllocation(0x2000, 1000, DroppedStack, 1, "Garbage", GCAllocationKind.Small);
        tracker.OnAllocation(0x900000, 200_000, KeptStack, 1, "Large", GCAllocationKind.Large);
        tracker.OnGcStart(1, 0, background: false);
        tracker.OnGcEnd(1);
        Assert.Equal(1, tracker.Count);
        Assert.Equal(200_000, tracker.TotalBytes());
    }

    [Fact]
    public void The_live_heap_is_the_heap_as_of_the_last_gc()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 1000, KeptStack, 1, "Examined", GCAllocationKind.Small);
        tracker.OnGcStart(1, 0, background: false);
        tracker.OnSurvived(0x1000, 0x100);
        tracker.OnGcEnd(1);
        tracker.OnAllocation(0x2000, 5000, DroppedStack, 1, "Since", GCAllocationKind.Small);
        Assert.Equal(1000, tracker.TotalBytes());
        var period = new SampleAggregator(DateTimeOffset.UnixEpoch);
        tracker.AddLiveTo(period);
        Assert.Equal("Examined", Assert.Single(period.Values).Key.TypeName);
    }

    [Fact]
    public void Generation_2_is_reported_as_of_the_last_gen2_gc()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 1000, KeptStack, 1, "Kept", GCAllocationKind.Small);
        // Two gen1 GCs promote it to gen2; no gen2 GC yet: it counts (as of the last GC).
        for (var gc = 1; gc <= 2; gc++)
        {
            tracker.OnGcStart(gc, 1, background: false);
            tracker.OnSurvived(0x1000, 0x100);
            tracker.OnGcEnd(gc);
        }
        Assert.Equal(1000, tracker.TotalBytes());

        // A background gen2 GC keeps it; an object promoted after that counts only once a gen2 GC kept it too —
        // until then it may have died in gen2 without any GC saying so.
        tracker.OnGcStart(3, 2, background: true);
        tracker.OnSurvived(0x1000, 0x100);
        tracker.OnGcEnd(3);
        tracker.OnAllocation(0x2000, 500, DroppedStack, 1, "Promoted later", GCAllocationKind.Small);
        for (var gc = 4; gc <= 5; gc++)
        {
            tracker.OnGcStart(gc, 1, background: false);
            tracker.OnSurvived(0x1000, 0x1100);
            tracker.OnGcEnd(gc);
        }
        Assert.Equal(1000, tracker.TotalBytes());

        tracker.OnGcStart(6, 2, background: false);
        tracker.OnSurvived(0x1000, 0x1100);
        tracker.OnGcEnd(6);
        Assert.Equal(1500, tracker.TotalBytes());
    }

    [Fact]
    public void A_gc_during_which_events_were_lost_drops_nothing()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 1000, KeptStack, 1, "Kept", GCAllocationKind.Small);
        tracker.OnEventsLost(0);
        tracker.OnGcStart(1, 2, background: false);
        tracker.OnEventsLost(5);
        tracker.OnGcEnd(1);
        Assert.Equal(1, tracker.Count);
        Assert.Equal(1, tracker.UncertainCollections);
    }

    [Fact]
    public void Large_and_pinned_objects_die_only_in_gen2_gcs_and_never_move_generation()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x100000, 100_000, KeptStack, 1, "Large", GCAllocationKind.Large);
        tracker.OnAllocation(0x200000, 50_000, DroppedStack, 1, "Pinned", GCAllocationKind.Pinned);
        tracker.OnGcStart(1, 1, background: false);
        tracker.OnGcEnd(1);
        Assert.Equal(2, tracker.Count);

        tracker.OnGcStart(2, 2, background: false);
        tracker.OnSurvived(0x100000, 100_000);
        tracker.OnGcEnd(2);
        Assert.Equal(100_000, tracker.TotalBytes());
    }

    [Fact]
    public void A_background_gc_sweeps_gen2_and_large_objects_but_not_young_ones()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 1000, KeptStack, 1, "Young", GCAllocationKind.Small);
        tracker.OnAllocation(0x100000, 100_000, DroppedStack, 1, "Large", GCAllocationKind.Large);
        tracker.OnGcStart(1, 2, background: true);
        tracker.OnSurvived(0x500000, 0x10);      // neither object is in it
        tracker.OnGcEnd(1);
        var period = new SampleAggregator(DateTimeOffset.UnixEpoch);
        tracker.AddLiveTo(period);
        Assert.Equal("Young", Assert.Single(period.Values).Key.TypeName);
    }

    [Fact]
    public void Live_bytes_above_the_gc_heap_are_scaled_down_to_it()
    {
        Assert.Equal(1, PeriodRecorder.LiveScale(10_000, 20_000));
        Assert.Equal(0.5, PeriodRecorder.LiveScale(40_000, 20_000));
        Assert.Equal(1, PeriodRecorder.LiveScale(40_000, null));
    }

    [Fact]
    public void Nested_ephemeral_gcs_during_a_background_gc_are_matched_by_count()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 1000, KeptStack, 1, "Young", GCAllocationKind.Small);
        tracker.OnGcStart(10, 2, background: true);
        tracker.OnGcStart(11, 0, background: false);
        tracker.OnSurvived(0x2000, 0x10);         // the young object is not in it: it died
        tracker.OnGcEnd(11);
        Assert.Equal(0, tracker.Count);
        tracker.OnGcEnd(10);
    }
}

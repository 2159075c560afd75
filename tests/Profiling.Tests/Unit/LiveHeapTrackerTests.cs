using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Heap;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class LiveHeapTrackerTests
{
    private static readonly ulong[] KeptStack = [0x10, 0x20];
    private static readonly ulong[] DroppedStack = [0x30, 0x20];

    [Fact]
    public void Objects_outside_every_surviving_range_die_and_moved_ones_follow_their_range()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 100, 1000, KeptStack, 1, "Kept", large: false);
        tracker.OnAllocation(0x5000, 100, 2000, DroppedStack, 1, "Dropped", large: false);

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
    public void A_gc_without_survival_reports_keeps_everything()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 100, 1000, KeptStack, 1, "Kept", large: false);
        tracker.OnGcStart(1, 2, background: false);
        tracker.OnGcEnd(1);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void Nested_ephemeral_gcs_during_a_background_gc_are_matched_by_count()
    {
        var tracker = new LiveHeapTracker();
        tracker.OnAllocation(0x1000, 100, 1000, KeptStack, 1, "Young", large: false);
        tracker.OnGcStart(10, 2, background: true);
        tracker.OnGcStart(11, 0, background: false);
        tracker.OnSurvived(0x2000, 0x10);         // the young object is not in it: it died
        tracker.OnGcEnd(11);
        Assert.Equal(0, tracker.Count);
        tracker.OnGcEnd(10);
    }
}

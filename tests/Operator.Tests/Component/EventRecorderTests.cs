using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.Operator.Controller;
using Flamewatch.Operator.Metrics;
using Flamewatch.Operator.Planning;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>Events reach the API server as kubectl describe shows them, and repeats never turn into a storm.</summary>
public sealed class EventRecorderTests
{
    [Fact]
    public async Task Repeats_are_counted_on_one_Event_and_a_flood_is_cut_by_the_per_object_limit()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        var time = new ManualTime(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var metrics = new ControllerMetrics();
        var recorder = new EventRecorder(h.Client, time, metrics, NullLogger<EventRecorder>.Instance);
        var subject = new GenericObject
        {
            ApiVersion = "flamewatch.io/v1alpha1",
            Kind = "ContinuousProfile",
            Metadata = new ObjectMeta { Name = "checkout", Namespace = OperatorHarness.Namespace, Uid = "uid-1" },
        };

        for (var i = 0; i < 40; i++)
        {
            await recorder.RecordAsync(subject, new PlannedEvent(PlannedEvent.Warning, "ConflictDetected", "checkout-1 is profiled by the older ContinuousProfile a"), ct);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var events = (await h.Client.Events().ListAsync(OperatorHarness.Namespace, cancellationToken: ct)).Items;
        var recorded = Assert.Single(events);
        Assert.Equal("ConflictDetected", recorded.Reason);
        Assert.Equal("checkout", recorded.InvolvedObject?.Name);
        Assert.Equal(EventRecorder.Burst, recorded.Count);
        Assert.Contains($"flamewatch_operator_events_dropped_total {40 - EventRecorder.Burst}", metrics.ToPrometheusText(), StringComparison.Ordinal);

        // After the aggregation window a repeat starts a fresh Event; the bucket has refilled by then.
        time.Advance(EventRecorder.AggregationWindow + TimeSpan.FromMinutes(1));
        await recorder.RecordAsync(subject, new PlannedEvent(PlannedEvent.Warning, "ConflictDetected", "checkout-1 is profiled by the older ContinuousProfile a"), ct);
        Assert.Equal(2, (await h.Client.Events().ListAsync(OperatorHarness.Namespace, cancellationToken: ct)).Items.Count);
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

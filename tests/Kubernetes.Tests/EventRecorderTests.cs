using Flamewatch.Kubernetes.Events;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>
/// The one Event policy of the operator and the collector (see <see cref="EventRecorder"/>): the first Event at once,
/// identical repeats within the window only counted and then written as a count update on the same Event, a per-object
/// burst refilled over time, and what is not written dropped and counted.
/// </summary>
public sealed class EventRecorderTests : ServerTestBase
{
    private readonly ManualTime _time = new();
    private readonly CancellationTokenSource _stop = new();
    private int _recorded;
    private int _dropped;
    private Task _run = Task.CompletedTask;

    private static V1ObjectReference Pod(string name) => new() { ApiVersion = "v1", Kind = "Pod", NamespaceProperty = "default", Name = name, Uid = "uid-" + name };

    private EventRecorder Start(int queueCapacity = 1024, bool run = true)
    {
        var recorder = new EventRecorder(
            Client,
            new EventRecorderOptions
            {
                Component = "flamewatch-test",
                Instance = "flamewatch-test-node-a",
                Host = "node-a",
                QueueCapacity = queueCapacity,
                OnRecorded = () => Interlocked.Increment(ref _recorded),
                OnDropped = () => Interlocked.Increment(ref _dropped),
            },
            _time,
            NullLogger<EventRecorder>.Instance);
        if (run)
        {
            _run = recorder.RunAsync(_stop.Token);
        }

        return recorder;
    }

    private async Task<IList<Corev1Event>> EventsAsync(int writes)
    {
        await EventuallyAsync(() => Volatile.Read(ref _recorded) + Volatile.Read(ref _dropped) >= writes, $"{writes} Event writes");
        return (await Client.CoreV1.ListNamespacedEventAsync("default", cancellationToken: Timeout)).Items;
    }

    [Fact]
    public async Task The_first_Event_is_created_at_once_with_who_recorded_it()
    {
        var recorder = Start();

        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket"));

        var recorded = Assert.Single(await EventsAsync(1));
        Assert.Equal(("Warning", "AttachFailed", "no diagnostic socket", 1), (recorded.Type, recorded.Reason, recorded.Message, recorded.Count));
        Assert.Equal(("Pod", "web", "uid-web"), (recorded.InvolvedObject.Kind, recorded.InvolvedObject.Name, recorded.InvolvedObject.Uid));
        Assert.Equal(("flamewatch-test", "node-a"), (recorded.Source.Component, recorded.Source.Host));
        Assert.Equal(("flamewatch-test", "flamewatch-test-node-a"), (recorded.ReportingComponent, recorded.ReportingInstance));
    }

    [Fact]
    public async Task Repeats_within_the_window_are_counted_and_written_after_it_as_a_count_update_of_the_same_Event()
    {
        var recorder = Start();
        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket"));
        await EventsAsync(1);

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.False(recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket"));
        }

        _time.Advance(EventRecorder.DefaultRepeatWindow);
        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket"));

        var updated = Assert.Single(await EventsAsync(2));
        Assert.Equal(7, updated.Count);
        Assert.True(updated.LastTimestamp > updated.FirstTimestamp);
        Assert.Equal(0, Volatile.Read(ref _dropped));
    }

    [Fact]
    public async Task A_different_message_is_a_different_Event()
    {
        var recorder = Start();

        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket"));
        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", "permission denied"));
        Assert.True(recorder.Record(Pod("web"), "Normal", "AttachFailed", "no diagnostic socket"));

        Assert.Equal(3, (await EventsAsync(3)).Count);
    }

    [Fact]
    public async Task Each_object_has_a_burst_refilled_over_time_and_what_exceeds_it_is_dropped_and_counted()
    {
        var recorder = Start();

        var accepted = Enumerable.Range(0, EventRecorder.DefaultBurst + 5).Count(i => recorder.Record(Pod("web"), "Warning", "AttachFailed", $"attempt {i}"));
        var otherPod = recorder.Record(Pod("db"), "Warning", "AttachFailed", "attempt 0");
        _time.Advance(EventRecorder.DefaultRefillInterval);
        var afterRefill = recorder.Record(Pod("web"), "Warning", "AttachFailed", "after the refill");
        var stillLimited = recorder.Record(Pod("web"), "Warning", "AttachFailed", "one more");

        Assert.Equal(EventRecorder.DefaultBurst, accepted);
        Assert.True(otherPod);
        Assert.True(afterRefill);
        Assert.False(stillLimited);
        var events = await EventsAsync(EventRecorder.DefaultBurst + 2 + 6);
        Assert.Equal(EventRecorder.DefaultBurst + 1, events.Count(e => e.InvolvedObject.Name == "web"));
        Assert.Equal(6, Volatile.Read(ref _dropped));
    }

    [Fact]
    public async Task An_Event_the_server_no_longer_has_is_created_anew()
    {
        var recorder = Start();
        recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket");
        var first = Assert.Single(await EventsAsync(1));
        await Client.CoreV1.DeleteNamespacedEventAsync(first.Metadata.Name, "default", cancellationToken: Timeout);

        _time.Advance(EventRecorder.DefaultRepeatWindow);
        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket"));

        var second = Assert.Single(await EventsAsync(2));
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
        Assert.Equal(2, second.Count);
    }

    [Fact]
    public async Task A_forgotten_object_starts_afresh()
    {
        var recorder = Start();
        recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket");
        await EventsAsync(1);

        recorder.Forget("uid-web");

        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", "no diagnostic socket"));
        Assert.Equal(2, (await EventsAsync(2)).Count);
    }

    [Fact]
    public void A_full_queue_drops_and_counts()
    {
        var recorder = Start(queueCapacity: 1, run: false);

        Assert.True(recorder.Record(Pod("web"), "Warning", "AttachFailed", new string('x', 5000)));
        Assert.False(recorder.Record(Pod("web"), "Warning", "AttachFailed", "second"));

        Assert.Equal(1, Volatile.Read(ref _dropped));
    }

    [Fact]
    public async Task Long_messages_are_cut_to_the_limit()
    {
        var recorder = Start();

        recorder.Record(Pod("web"), "Warning", "AttachFailed", new string('x', 5000));

        var recorded = Assert.Single(await EventsAsync(1));
        Assert.Equal(EventRecorder.MaxMessageLength, recorded.Message.Length);
        Assert.EndsWith("...", recorded.Message, StringComparison.Ordinal);
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
        await base.DisposeAsync();
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

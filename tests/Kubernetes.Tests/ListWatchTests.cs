using Flamewatch.Kubernetes.Client;
using Flamewatch.Kubernetes.Informers;
using k8s;
using k8s.Models;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>The official client's watch as the informer needs it: normal ends, errors in the stream, silent streams.</summary>
public sealed class ListWatchTests : ServerTestBase
{
    private static readonly TimeSpan NoIdle = TimeSpan.FromMinutes(1);

    private async Task<List<(WatchEventType Type, V1Pod Pod)>> WatchAllAsync(WatchRequest request, TimeSpan idle)
    {
        var events = new List<(WatchEventType, V1Pod)>();
        await foreach (var e in ListWatch.Pods(Client).WatchAsync("default", request, idle, Timeout))
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task A_watch_that_times_out_without_any_event_ends_normally()
    {
        var events = await WatchAllAsync(new WatchRequest(null, null, null, TimeoutSeconds: 1), NoIdle);

        Assert.Empty(events);
    }

    [Fact]
    public async Task A_watch_streams_changes_then_ends_at_its_timeout()
    {
        var list = await ListWatch.Pods(Client).ListAsync("default", new ListRequest(null, null, null, null), Timeout);
        await CreatePodAsync(NewPod("a"));
        await AnnotatePodAsync("a", "k", "v");
        await DeletePodAsync("a");

        var events = await WatchAllAsync(new WatchRequest(null, null, list.ResourceVersion, TimeoutSeconds: 1), NoIdle);

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
    }

    [Fact]
    public async Task An_expired_resource_version_ends_the_stream_with_the_410()
    {
        var list = await ListWatch.Pods(Client).ListAsync("default", new ListRequest(null, null, null, null), Timeout);
        await CreatePodAsync(NewPod("a"));
        Server.CompactHistory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => WatchAllAsync(new WatchRequest(null, null, list.ResourceVersion, TimeoutSeconds: 30), NoIdle));

        Assert.True(error.IsExpired(), error.ToString());
        Assert.Contains("too old resource version", error.Status()?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_stream_is_abandoned_by_the_watchdog()
    {
        var watch = WatchAllAsync(new WatchRequest(null, null, null, TimeoutSeconds: 30), TimeSpan.FromMilliseconds(500));
        await EventuallyAsync(() => Server.OpenWatches == 1, "watch open");
        Server.SilenceWatches();

        await Assert.ThrowsAsync<WatchIdleException>(() => watch);
    }

    [Fact]
    public async Task Pages_carry_a_continue_token_until_the_last()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreatePodAsync(NewPod($"p{i}"));
        }

        var source = ListWatch.Pods(Client);
        var first = await source.ListAsync(null, new ListRequest(null, null, 2, null), Timeout);
        var second = await source.ListAsync(null, new ListRequest(null, null, 2, first.Continue), Timeout);
        var last = await source.ListAsync(null, new ListRequest(null, null, 2, second.Continue), Timeout);

        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(second.Continue);
        Assert.Single(last.Items);
        Assert.Null(last.Continue);
    }
}

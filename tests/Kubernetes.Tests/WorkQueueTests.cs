using Flamewatch.Kubernetes.Queue;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

public sealed class WorkQueueTests
{
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task Duplicate_adds_collapse_into_one_item()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.GetAsync(Timeout())).Item);
        Assert.Equal("b", (await queue.GetAsync(Timeout())).Item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task An_item_re_added_while_processing_is_handed_out_again_only_after_done()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var (_, item) = await queue.GetAsync(Timeout());
        queue.Add("a");
        Assert.Equal(0, queue.Count); // not available while in flight
        var second = queue.GetAsync(Timeout());
        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        queue.Done(item);
        Assert.Equal("a", (await second).Item);
    }

    [Fact]
    public async Task Concurrent_workers_never_process_the_same_key_at_once()
    {
        using var queue = new WorkQueue<int>();
        var inFlight = new int[5];
        var violations = 0;
        var processed = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (ok, key) = await queue.GetAsync(cts.Token);
                if (!ok)
                {
                    return;
                }

                if (Interlocked.Increment(ref inFlight[key]) > 1)
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Delay(1);
                Interlocked.Decrement(ref inFlight[key]);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        })).ToList();
        for (var i = 0; i < 500; i++)
        {
            queue.Add(i % 5);
            if (i % 50 == 0)
            {
                await Task.Delay(2);
            }
        }

        await Task.Delay(200);
        await queue.ShutDownAsync(cts.Token);
        await Task.WhenAll(workers);
        Assert.Equal(0, violations);
        Assert.InRange(processed, 5, 500);
    }

    [Fact]
    public async Task Rate_limited_requeue_backs_off_per_item_and_forget_resets()
    {
        using var queue = new WorkQueue<string>(baseDelay: TimeSpan.FromMilliseconds(100), maxDelay: TimeSpan.FromSeconds(10));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        queue.AddRateLimited("x"); // 100 ms
        queue.AddRateLimited("x"); // 200 ms, but the earlier pending add wins
        Assert.Equal(2, queue.NumRequeues("x"));
        Assert.Equal(0, queue.Count);
        var (_, item) = await queue.GetAsync(Timeout());
        Assert.Equal("x", item);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(60), $"came back after {sw.ElapsedMilliseconds} ms");
        queue.Done(item);

        sw.Restart();
        queue.AddRateLimited("x"); // third failure: 400 ms
        (_, item) = await queue.GetAsync(Timeout());
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(250), $"came back after {sw.ElapsedMilliseconds} ms");
        queue.Done(item);

        queue.Forget("x");
        Assert.Equal(0, queue.NumRequeues("x"));
    }

    [Fact]
    public async Task Shut_down_drains_then_stops_getters()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.ShutDown();
        queue.Add("b"); // ignored
        Assert.Equal((true, "a"), await queue.GetAsync(Timeout()));
        Assert.False((await queue.GetAsync(Timeout())).Ok);
        Assert.False((await queue.GetAsync(Timeout())).Ok);
    }
}

using System.Diagnostics;
using Flamewatch.Profiling.Export;
using Flamewatch.TestKit.Profiles;
using Flamewatch.TestKit.Timing;

namespace Flamewatch.Profiling.Tests.Unit;

/// <summary>
/// Closing a <see cref="RetryingExporter"/> (what Ctrl-C on the local-mode collector and <c>Profiler.Stop</c> do) delivers
/// what is queued within one deadline and counts the rest; every upload handed over is counted exactly once.
/// </summary>
public sealed class RetryingExporterCloseTests
{
    [Fact]
    public async Task Closing_delivers_every_queued_upload_before_it_returns()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // A receiver that takes a while per upload, like an agent over a real network.
        var inner = new FakeExporter(async (_, cancellationToken) => await Task.Delay(150, cancellationToken));
        var exporter = new RetryingExporter(inner);
        var uploads = Enumerable.Range(0, 3).Select(i => FakeExporter.Upload($"period-{i}")).ToList();
        foreach (var upload in uploads)
        {
            await exporter.ExportAsync(upload, timeout.Token);
        }

        await exporter.DisposeAsync().AsTask().WaitAsync(timeout.Token);

        Assert.Equal(uploads, inner.Delivered);
        Assert.Equal((3L, 0L, 0L, 0), (exporter.Exported, exporter.Dropped, exporter.Abandoned, exporter.Pending));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => exporter.ExportAsync(FakeExporter.Upload("late"), timeout.Token));
    }

    [Fact]
    public async Task Closing_has_one_deadline_for_the_whole_queue_and_counts_what_is_left_as_abandoned()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // A receiver that never answers: each upload would take forever.
        var inner = new FakeExporter((_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken));
        var drain = TimeSpan.FromSeconds(1);
        var exporter = new RetryingExporter(inner, new RetryingExporterOptions { DrainTimeout = drain });
        for (var i = 0; i < 5; i++)
        {
            await exporter.ExportAsync(FakeExporter.Upload($"period-{i}"), timeout.Token);
        }

        var closing = Stopwatch.StartNew();
        await exporter.DisposeAsync().AsTask().WaitAsync(timeout.Token);
        closing.Stop();

        // One deadline: not five times the drain timeout (a per-upload deadline), and not sooner than the deadline.
        Assert.InRange(closing.Elapsed, drain * 0.9, drain * 3);
        Assert.Equal(1, inner.Attempts);
        Assert.Empty(inner.Delivered);
        Assert.Equal((0L, 0L, 5L, 0), (exporter.Exported, exporter.Dropped, exporter.Abandoned, exporter.Pending));
    }

    [Fact]
    public async Task Closing_ends_a_pending_backoff_and_retries_at_once()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The receiver fails the first attempt; the retry would come a minute later.
        var inner = new FakeExporter((attempt, _) => attempt == 1 ? throw new ExportException("agent restarting", isRetryable: true) : Task.CompletedTask);
        var exporter = new RetryingExporter(inner, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromMinutes(1), MaxBackoff = TimeSpan.FromMinutes(2) });
        await exporter.ExportAsync(FakeExporter.Upload("last-period"), timeout.Token);
        await Eventually.UntilAsync(() => inner.Attempts == 1, timeout.Token);

        var closing = Stopwatch.StartNew();
        var unsent = await exporter.CloseAsync(TimeSpan.FromSeconds(10), timeout.Token);
        closing.Stop();

        Assert.Equal(0, unsent);
        Assert.True(closing.Elapsed < TimeSpan.FromSeconds(5), $"closing took {closing.Elapsed}");
        Assert.Equal((2, 1L), (inner.Attempts, exporter.Retries));
        Assert.Equal((1L, 0L, 0L), (exporter.Exported, exporter.Dropped, exporter.Abandoned));
        await exporter.DisposeAsync();
    }

    [Fact]
    public async Task Closing_starts_no_retry_whose_backoff_ends_past_the_deadline()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The receiver is down; every backoff (5-10 s) is longer than the 4 s closing may take.
        var inner = new FakeExporter((_, _) => throw new ExportException("connection refused", isRetryable: true));
        var exporter = new RetryingExporter(inner, new RetryingExporterOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(10),
            MaxBackoff = TimeSpan.FromSeconds(20),
            DrainTimeout = TimeSpan.FromSeconds(4),
        });
        await exporter.ExportAsync(FakeExporter.Upload("period-0"), timeout.Token);
        await Eventually.UntilAsync(() => inner.Attempts == 1, timeout.Token);
        await exporter.ExportAsync(FakeExporter.Upload("period-1"), timeout.Token);

        var closing = Stopwatch.StartNew();
        await exporter.DisposeAsync().AsTask().WaitAsync(timeout.Token);
        closing.Stop();

        // period-0: its first attempt, then one at once when closing began; period-1: one attempt. No waiting for the deadline.
        Assert.Equal(3, inner.Attempts);
        Assert.True(closing.Elapsed < TimeSpan.FromSeconds(3), $"closing took {closing.Elapsed}");
        Assert.Equal((0L, 0L, 2L, 0), (exporter.Exported, exporter.Dropped, exporter.Abandoned, exporter.Pending));
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_upload_that_is_not_being_sent_so_none_is_counted_twice()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (inner, receiving, release) = HeldOnFirstAttempt();
        var exporter = new RetryingExporter(inner, new RetryingExporterOptions { Capacity = 2 });
        var uploads = Enumerable.Range(0, 5).Select(i => FakeExporter.Upload($"period-{i}")).ToList();
        await exporter.ExportAsync(uploads[0], timeout.Token);
        await receiving.Task.WaitAsync(timeout.Token);
        foreach (var upload in uploads.Skip(1))
        {
            await exporter.ExportAsync(upload, timeout.Token);
        }
        Assert.Equal(3, exporter.Dropped);
        release.SetResult();
        await exporter.DisposeAsync().AsTask().WaitAsync(timeout.Token);

        // period-0 was being sent when the queue overflowed: it went out, and the uploads after it made room.
        Assert.Equal([uploads[0], uploads[4]], inner.Delivered);
        Assert.Equal((2L, 3L, 0L), (exporter.Exported, exporter.Dropped, exporter.Abandoned));
    }

    [Fact]
    public async Task With_a_capacity_of_one_an_upload_arriving_while_one_is_sent_is_dropped_and_counted()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (inner, receiving, release) = HeldOnFirstAttempt();
        var exporter = new RetryingExporter(inner, new RetryingExporterOptions { Capacity = 1 });
        await exporter.ExportAsync(FakeExporter.Upload("period-0"), timeout.Token);
        await receiving.Task.WaitAsync(timeout.Token);
        await exporter.ExportAsync(FakeExporter.Upload("period-1"), timeout.Token);
        release.SetResult();
        await exporter.DisposeAsync().AsTask().WaitAsync(timeout.Token);

        Assert.Equal("period-0", Assert.Single(inner.Delivered).ApplicationName);
        Assert.Equal((1L, 1L, 0L), (exporter.Exported, exporter.Dropped, exporter.Abandoned));
    }

    [Fact]
    public async Task Closing_twice_waits_for_the_first_and_a_zero_timeout_abandons_at_once()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var inner = new FakeExporter((_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken));
        var exporter = new RetryingExporter(inner);
        await exporter.ExportAsync(FakeExporter.Upload("period-0"), timeout.Token);
        await exporter.ExportAsync(FakeExporter.Upload("period-1"), timeout.Token);

        var closing = Stopwatch.StartNew();
        var first = exporter.CloseAsync(TimeSpan.Zero, timeout.Token);
        var second = exporter.CloseAsync(TimeSpan.FromMinutes(1), timeout.Token);
        Assert.Equal((2, 2), (await first, await second));
        Assert.True(closing.Elapsed < TimeSpan.FromSeconds(5), $"closing took {closing.Elapsed}");
        Assert.Equal((0L, 2L), (exporter.Exported, exporter.Abandoned));
        await exporter.DisposeAsync();
        Assert.Equal(2L, exporter.Abandoned);
    }

    /// <summary>A receiver whose first attempt signals <c>Receiving</c> and then waits for <c>Release</c>; later attempts succeed at once.</summary>
    private static (FakeExporter Inner, TaskCompletionSource Receiving, TaskCompletionSource Release) HeldOnFirstAttempt()
    {
        var receiving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new FakeExporter(async (attempt, cancellationToken) =>
        {
            if (attempt == 1)
            {
                receiving.TrySetResult();
                await release.Task.WaitAsync(cancellationToken);
            }
        });
        return (inner, receiving, release);
    }
}

using System.Net;
using Flamewatch.Profiling.Export;
using Flamewatch.TestKit.Profiles;
using Flamewatch.TestKit.Timing;

namespace Flamewatch.Profiling.Tests.Unit;

/// <summary>
/// <see cref="RetryingExporter"/> while the receiver fails: backoff, Retry-After, the bounded queue, giving up. Time is
/// a fake clock: each test reads the wait the exporter chose and moves time past it.
/// </summary>
public sealed class RetryingExporterTests
{
    [Fact]
    public async Task Retries_with_doubling_jittered_backoff_until_the_receiver_recovers()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var time = new RecordingTimeProvider();
        var inner = new FakeExporter((attempt, _) => attempt <= 3 ? throw Unavailable() : Task.CompletedTask);
        await using var retrying = new RetryingExporter(inner, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromMinutes(1) }, time);
        await retrying.ExportAsync(FakeExporter.Upload("orders"), timeout.Token);

        for (var failed = 1; failed <= 3; failed++)
        {
            var wait = await time.NthWaitAsync(failed, timeout.Token);
            var nominal = TimeSpan.FromSeconds(Math.Pow(2, failed - 1));
            Assert.InRange(wait, nominal / 2, nominal);
            Assert.Equal(failed, inner.Attempts);
            time.Advance(wait);
            await Eventually.UntilAsync(() => inner.Attempts == failed + 1, timeout.Token);
        }

        await Eventually.UntilAsync(() => retrying.Exported == 1, timeout.Token);
        Assert.Equal((4, 3L, 0L, 0L), (inner.Attempts, retrying.Retries, retrying.Dropped, retrying.Abandoned));
    }

    [Fact]
    public async Task Waits_at_least_what_Retry_After_asks()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var time = new RecordingTimeProvider();
        var inner = new FakeExporter((attempt, _) => attempt == 1 ? throw Unavailable(retryAfter: TimeSpan.FromSeconds(7)) : Task.CompletedTask);
        await using var retrying = new RetryingExporter(inner, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) }, time);
        await retrying.ExportAsync(FakeExporter.Upload("orders"), timeout.Token);

        Assert.Equal(TimeSpan.FromSeconds(7), await time.NthWaitAsync(1, timeout.Token));
        time.Advance(TimeSpan.FromSeconds(7));
        await Eventually.UntilAsync(() => retrying.Exported == 1, timeout.Token);
        Assert.Equal(2, inner.Attempts);
    }

    [Fact]
    public async Task When_the_queue_is_full_the_oldest_uploads_are_dropped_and_counted()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var time = new RecordingTimeProvider();
        var down = true;
        var inner = new FakeExporter((_, _) => Volatile.Read(ref down) ? throw Unavailable() : Task.CompletedTask);
        await using var retrying = new RetryingExporter(inner, new RetryingExporterOptions
        {
            Capacity = 3,
            InitialBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(1),
            MaxAttempts = 1000,
        }, time);
        for (var i = 0; i < 10; i++)
        {
            await retrying.ExportAsync(FakeExporter.Upload($"U{i}"), timeout.Token);
        }

        Assert.Equal((7L, 3), (retrying.Dropped, retrying.Pending));
        Volatile.Write(ref down, false);
        await AdvanceUntilAsync(time, () => retrying.Pending == 0, timeout.Token);
        // The newest are kept; the oldest of the three may be one the sender held at that moment (never dropped mid-send)
        // instead of U7, depending on where the sender was when the later uploads arrived.
        var delivered = inner.Delivered.Select(u => u.ApplicationName).ToList();
        Assert.Equal(3, delivered.Count);
        Assert.Equal(["U8", "U9"], delivered.Skip(1));
    }

    [Fact]
    public async Task Non_retryable_failures_and_too_many_attempts_abandon_the_upload()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var time = new RecordingTimeProvider();
        var rejected = new FakeExporter((_, _) => throw new ExportException("bad request", isRetryable: false, (int)HttpStatusCode.BadRequest));
        await using (var retrying = new RetryingExporter(rejected, new RetryingExporterOptions(), time))
        {
            await retrying.ExportAsync(FakeExporter.Upload("orders"), timeout.Token);
            await Eventually.UntilAsync(() => retrying.Abandoned == 1, timeout.Token);
            Assert.Equal(1, rejected.Attempts);
            Assert.Empty(time.Waits);
        }

        var failing = new FakeExporter((_, _) => throw Unavailable());
        await using (var retrying = new RetryingExporter(failing, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(5), MaxAttempts = 4 }, time))
        {
            await retrying.ExportAsync(FakeExporter.Upload("orders"), timeout.Token);
            await AdvanceUntilAsync(time, () => retrying.Abandoned == 1, timeout.Token);
            Assert.Equal(4, failing.Attempts);
        }
    }

    [Fact]
    public void Backoff_is_jittered_exponential_and_capped()
    {
        var retrying = new RetryingExporterOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(30),
        };
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var nominal = Math.Min(Math.Pow(2, attempt - 1), 30);
            var delays = Enumerable.Range(0, 50).Select(_ => retrying.Backoff(attempt, retryAfter: null).TotalSeconds).ToArray();
            Assert.All(delays, d => Assert.InRange(d, nominal / 2, nominal));
            Assert.True(delays.Distinct().Count() > 40, "delays are not jittered");
        }
        Assert.Equal(TimeSpan.FromSeconds(20), retrying.Backoff(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(TimeSpan.FromSeconds(30), retrying.Backoff(1, TimeSpan.FromMinutes(10)));
    }

    private static ExportException Unavailable(TimeSpan? retryAfter = null) =>
        new("scripted failure", isRetryable: true, (int)HttpStatusCode.ServiceUnavailable, retryAfter);

    /// <summary>Moves the fake clock a second at a time (past any backoff these tests configure) until the condition holds.</summary>
    private static async Task AdvanceUntilAsync(RecordingTimeProvider time, Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10, cancellationToken);
        }
    }
}

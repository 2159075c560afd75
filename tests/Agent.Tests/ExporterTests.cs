using System.Diagnostics;
using System.Net;
using Flamewatch.Profiling.Export;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.Agent.Tests;

public sealed class ExporterTests
{
    private static ProfileUpload Upload(string application = "orders", string leaf = "Orders.Handle") =>
        Uploads.CollectorUpload(application, new Dictionary<string, string> { ["pod_name"] = "orders-7d9", ["kube_namespace"] = "shop", ["team"] = "a,b" },
            DateTimeOffset.UtcNow.AddSeconds(-45), (["Main", leaf], [10_000_000, 20_000_000, 3, 4096, 8192]));

    [Fact]
    public async Task DatadogExporterUploadsAreAcceptedByTheAgentWithAllFiveTypesAndTags()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        using var exporter = new DatadogAgentExporter(agent.BaseAddress.ToString().TrimEnd('/'), TimeSpan.FromSeconds(10));
        await exporter.ExportAsync(Upload(), cts.Token);
        Assert.Equal((1, 0), (exporter.Succeeded, exporter.Failed));

        var app = Assert.Single(agent.Store.GetApplications());
        Assert.Equal("orders", app.Name);
        Assert.Equal(Pprofs.CollectorTypes.Order(StringComparer.Ordinal), app.ProfileTypes);
        Assert.Equal("orders-7d9", Assert.Single(app.Labels["pod_name"]));
        Assert.Equal("a_b", Assert.Single(app.Labels["team"]));
        var alloc = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=orders&type=alloc-size/bytes&kube_namespace=shop", cts.Token));
        Assert.Equal(4096, Pprofs.Stacks(alloc)["Main;Orders.Handle"]);
    }

    [Fact]
    public async Task DatadogExporterReachesAnAgentOnAUnixSocket()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var socket = Path.Combine(Path.GetTempPath(), $"fw-{Guid.NewGuid():N}"[..16] + ".sock");
        await using var agent = await TestAgent.StartAsync("--urls", $"http://unix:{socket}");
        try
        {
            using var exporter = new DatadogAgentExporter($"unix://{socket}", TimeSpan.FromSeconds(10));
            await exporter.ExportAsync(Upload("over-socket"), cts.Token);
            Assert.Equal("over-socket", Assert.Single(agent.Store.GetApplications()).Name);
        }
        finally
        {
            File.Delete(socket);
        }
    }

    [Fact]
    public async Task AnUploadRunningPastTheTimeoutIsCancelledAndCounted()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var released = new TaskCompletionSource();
        await using var slow = await StubServer.StartAsync(async context => await Task.WhenAny(released.Task, Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted)));
        using var exporter = new DatadogAgentExporter(slow.Address.ToString(), TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => exporter.ExportAsync(Upload(), cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal((0, 1, 1), (exporter.Succeeded, exporter.Failed, exporter.TimedOut));
        released.SetResult();
    }

    [Theory]
    [InlineData(503, true)]
    [InlineData(429, true)]
    [InlineData(400, false)]
    [InlineData(413, false)]
    public async Task FailedAnswersSayWhetherARetryCanHelpAndCarryRetryAfter(int status, bool retryable)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var stub = await StubServer.StartAsync(async context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = "7";
            await context.Response.WriteAsync("{\"error\":\"no\"}");
        });
        using var exporter = new DatadogAgentExporter(stub.Address.ToString(), TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<ExportException>(() => exporter.ExportAsync(Upload(), cts.Token));
        Assert.Equal((status, retryable, TimeSpan.FromSeconds(7)), (error.StatusCode, error.IsRetryable, error.RetryAfter));
        Assert.Contains("no", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PyroscopeExporterPushesToTheAgentsIngest()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        using var exporter = new PyroscopeExporter(agent.BaseAddress.ToString(), TimeSpan.FromSeconds(10));
        await exporter.ExportAsync(Upload("pushed"), cts.Token);
        var app = Assert.Single(agent.Store.GetApplications());
        Assert.Equal("pushed", app.Name);
        Assert.Equal("shop", Assert.Single(app.Labels["kube_namespace"]));
        var cpu = Pprofs.Read(await agent.Client.GetByteArrayAsync("/api/profile?application=pushed&type=cpu-time/nanoseconds&pod_name=orders-7d9", cts.Token));
        Assert.Equal(10_000_000, Pprofs.Stacks(cpu)["Main;Orders.Handle"]);
    }

    [Theory]
    [InlineData("ftp://agent:21")]
    [InlineData("unix://relative.sock")]
    [InlineData("agent:8126")]
    public void BadAgentAddressesAreRejectedWithTheFormatNamed(string address)
    {
        var error = Assert.Throws<ArgumentException>(() => new DatadogAgentExporter(address, TimeSpan.FromSeconds(1)));
        Assert.Contains("unix://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryingExporterRetriesWithBackoffUntilTheReceiverRecovers()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var inner = new ScriptedExporter(failures: 3);
        await using var retrying = new RetryingExporter(inner, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) });
        await retrying.ExportAsync(Upload(), cts.Token);
        await WaitUntilAsync(() => retrying.Exported == 1, cts.Token);
        Assert.Equal((4, 3, 0L, 0L), (inner.Attempts, retrying.Retries, retrying.Dropped, retrying.Abandoned));
        // Backoff doubles: the gaps between attempts grow.
        var gaps = inner.AttemptTimes.Zip(inner.AttemptTimes.Skip(1), (a, b) => b - a).ToArray();
        Assert.True(gaps[2] > gaps[0], string.Join(", ", gaps));
    }

    [Fact]
    public async Task RetryingExporterWaitsAtLeastRetryAfter()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var inner = new ScriptedExporter(failures: 1, retryAfter: TimeSpan.FromMilliseconds(700));
        await using var retrying = new RetryingExporter(inner, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) });
        await retrying.ExportAsync(Upload(), cts.Token);
        await WaitUntilAsync(() => retrying.Exported == 1, cts.Token);
        Assert.True(inner.AttemptTimes[1] - inner.AttemptTimes[0] >= TimeSpan.FromMilliseconds(650), $"{inner.AttemptTimes[1] - inner.AttemptTimes[0]}");
    }

    [Fact]
    public async Task WhenTheQueueIsFullTheOldestUploadsAreDroppedAndCounted()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var inner = new ScriptedExporter(failures: int.MaxValue);
        await using var retrying = new RetryingExporter(inner, new RetryingExporterOptions
        {
            Capacity = 3,
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
            MaxAttempts = 1000,
        });
        for (var i = 0; i < 10; i++)
        {
            await retrying.ExportAsync(Upload(leaf: $"U{i}"), cts.Token);
        }
        Assert.Equal(7, retrying.Dropped);
        Assert.Equal(3, retrying.Pending);
        inner.Recover();
        await WaitUntilAsync(() => retrying.Pending == 0, cts.Token);
        var sent = inner.Succeeded.Select(u => Pprofs.Stacks(Pprofs.Read(u.Attachments[0].Content.ToArray())).Keys.Single()).ToArray();
        Assert.Equal(["Main;U7", "Main;U8", "Main;U9"], sent);
    }

    [Fact]
    public async Task NonRetryableFailuresAndTooManyAttemptsAbandonTheUpload()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var rejected = new ScriptedExporter(failures: int.MaxValue, retryable: false);
        await using (var retrying = new RetryingExporter(rejected, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromMilliseconds(1) }))
        {
            await retrying.ExportAsync(Upload(), cts.Token);
            await WaitUntilAsync(() => retrying.Abandoned == 1, cts.Token);
            Assert.Equal(1, rejected.Attempts);
        }
        var failing = new ScriptedExporter(failures: int.MaxValue);
        await using (var retrying = new RetryingExporter(failing, new RetryingExporterOptions { InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5), MaxAttempts = 4 }))
        {
            await retrying.ExportAsync(Upload(), cts.Token);
            await WaitUntilAsync(() => retrying.Abandoned == 1, cts.Token);
            Assert.Equal(4, failing.Attempts);
        }
    }

    [Fact]
    public void BackoffIsJitteredExponentialAndCapped()
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

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>An exporter that fails a given number of times, then succeeds.</summary>
    private sealed class ScriptedExporter(int failures, bool retryable = true, TimeSpan? retryAfter = null) : IProfileExporter
    {
        private int _failuresLeft = failures;

        public int Attempts { get; private set; }

        public List<TimeSpan> AttemptTimes { get; } = [];

        public List<ProfileUpload> Succeeded { get; } = [];

        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void Recover() => Volatile.Write(ref _failuresLeft, 0);

        public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
        {
            Attempts++;
            AttemptTimes.Add(_clock.Elapsed);
            if (Volatile.Read(ref _failuresLeft) > 0)
            {
                Interlocked.Decrement(ref _failuresLeft);
                throw new ExportException("scripted failure", retryable, (int)HttpStatusCode.ServiceUnavailable, retryAfter);
            }
            Succeeded.Add(upload);
            return Task.CompletedTask;
        }
    }
}

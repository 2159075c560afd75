using System.Diagnostics;
using Flamewatch.Profiling.Export;
using Flamewatch.TestKit.Http;
using Flamewatch.TestKit.Profiles;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.Profiling.Tests.Unit;

/// <summary><see cref="DatadogAgentExporter"/> against a stub receiver: timeouts, failed answers, bad addresses.</summary>
public sealed class DatadogAgentExporterTests
{
    [Fact]
    public async Task An_upload_running_past_the_timeout_is_cancelled_and_counted()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var released = new TaskCompletionSource();
        await using var slow = await StubServer.StartAsync(async context => await Task.WhenAny(released.Task, Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted)));
        using var exporter = new DatadogAgentExporter(slow.Address.ToString(), TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => exporter.ExportAsync(FakeExporter.Upload("orders"), cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal((0, 1, 1), (exporter.Succeeded, exporter.Failed, exporter.TimedOut));
        released.SetResult();
    }

    [Theory]
    [InlineData(503, true)]
    [InlineData(429, true)]
    [InlineData(400, false)]
    [InlineData(413, false)]
    public async Task Failed_answers_say_whether_a_retry_can_help_and_carry_Retry_After(int status, bool retryable)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var stub = await StubServer.StartAsync(async context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = "7";
            await context.Response.WriteAsync("{\"error\":\"no\"}");
        });
        using var exporter = new DatadogAgentExporter(stub.Address.ToString(), TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<ExportException>(() => exporter.ExportAsync(FakeExporter.Upload("orders"), cts.Token));
        Assert.Equal((status, retryable, TimeSpan.FromSeconds(7)), (error.StatusCode, error.IsRetryable, error.RetryAfter));
        Assert.Contains("no", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://agent:21")]
    [InlineData("unix://relative.sock")]
    [InlineData("agent:8126")]
    public void Bad_agent_addresses_are_rejected_with_the_format_named(string address)
    {
        var error = Assert.Throws<ArgumentException>(() => new DatadogAgentExporter(address, TimeSpan.FromSeconds(1)));
        Assert.Contains("unix://", error.Message, StringComparison.Ordinal);
    }
}

using Flamewatch.Kubernetes.Rest;
using Flamewatch.NodeCollector.Hosting;
using Flamewatch.NodeCollector.Metrics;
using Flamewatch.NodeCollector.Reporting;
using Flamewatch.NodeCollector.Supervision;
using Flamewatch.TestKit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Tests.Reporting;

/// <summary>Events on pods against the test API server: repeats are not re-recorded, and each pod has a rate limit.</summary>
public sealed class PodEventRecorderTests
{
    [Fact]
    public async Task Records_a_report_once_and_limits_each_pod_to_its_burst()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var api = await TestApiServer.StartAsync(cancellationToken: timeout.Token);
        using var client = api.CreateClient();
        var time = new OffsetTimeProvider();
        var metrics = new CollectorMetrics();
        using var recorder = new PodEventRecorder(client, Options.Create(new CollectorOptions { NodeName = "node-a" }), metrics, time, NullLogger<PodEventRecorder>.Instance);
        await recorder.StartAsync(timeout.Token);

        var repeated = Report("pod-1", EventReasons.NoDotNetProcess, "no .NET process");
        Assert.True(recorder.Post(repeated));
        Assert.False(recorder.Post(repeated));
        var accepted = Enumerable.Range(0, PodEventRecorder.Burst + 5).Count(i => recorder.Post(Report("pod-2", EventReasons.AttachFailed, $"attempt {i}")));
        time.Offset = PodEventRecorder.RefillInterval;
        var afterRefill = recorder.Post(Report("pod-2", EventReasons.AttachFailed, "after a minute"));
        time.Offset = PodEventRecorder.RepeatAfter + PodEventRecorder.RefillInterval;
        var repeatedLater = recorder.Post(repeated);

        Assert.Equal(PodEventRecorder.Burst, accepted);
        Assert.True(afterRefill);
        Assert.True(repeatedLater);
        var events = await WaitForEventsAsync(client, PodEventRecorder.Burst + 3, timeout.Token);
        Assert.Equal(2, events.Count(e => e.InvolvedObject!.Uid == "uid-pod-1"));
        var first = events.First(e => e.InvolvedObject!.Uid == "uid-pod-1");
        Assert.Equal("Warning", first.Type);
        Assert.Equal("Pod", first.InvolvedObject!.Kind);
        Assert.Equal("pod-1", first.InvolvedObject.Name);
        Assert.Equal(PodEventRecorder.Component, first.Source!.Component);
        Assert.Contains("flamewatch_collector_events_dropped_total 5", metrics.ToPrometheusText());
        await recorder.StopAsync(CancellationToken.None);
    }

    private static PodReport Report(string pod, string reason, string message) => new("uid-" + pod, "default", pod, reason, message, Warning: true);

    private static async Task<IReadOnlyList<Kubernetes.Models.KubeEvent>> WaitForEventsAsync(KubeApiClient client, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var events = (await client.Events().ListAsync("default", cancellationToken: cancellationToken)).Items;
            if (events.Count >= count)
            {
                return events;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}

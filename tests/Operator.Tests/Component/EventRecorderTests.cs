using Flamewatch.Contracts.Api.V1Alpha1;
using k8s.Models;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>
/// The operator records its Events with the shared recorder (its policy is tested with the recorder): as kubectl describe
/// shows them, on the ContinuousProfile, from the operator, and counted in /metrics when dropped.
/// </summary>
public sealed class EventRecorderTests
{
    [Fact]
    public async Task Events_name_the_profile_and_the_operator_and_drops_are_exported()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        await h.CreatePodAsync("checkout-1", new() { ["app"] = "checkout" }, cancellationToken: ct);
        var (_, url) = await h.StartOperatorAsync(ct);
        var profile = await h.CreateProfileAsync(
            "checkout",
            new V1Alpha1ContinuousProfileSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "checkout" } } },
            ct);

        Corev1Event? selected = null;
        await OperatorHarness.EventuallyAsync(
            async () => (selected = (await h.EventsAsync(ct)).FirstOrDefault(e => e.Reason == "PodsSelected")) is not null,
            "the PodsSelected Event is recorded",
            ct);

        Assert.Equal("Normal", selected!.Type);
        Assert.Equal((V1Alpha1ContinuousProfile.ApiVersionValue, V1Alpha1ContinuousProfile.KindValue, "checkout", profile.Metadata.Uid), (selected.InvolvedObject.ApiVersion, selected.InvolvedObject.Kind, selected.InvolvedObject.Name, selected.InvolvedObject.Uid));
        Assert.Equal("flamewatch-operator", selected.Source.Component);
        Assert.Equal("flamewatch-operator", selected.ReportingComponent);
        Assert.Equal(1, selected.Count);
        using var http = new HttpClient { BaseAddress = url };
        Assert.Contains("flamewatch_operator_events_dropped_total 0", await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct), StringComparison.Ordinal);
    }
}

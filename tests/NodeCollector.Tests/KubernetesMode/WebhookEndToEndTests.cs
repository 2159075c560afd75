using System.Diagnostics;
using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.NodeCollector.Supervision;
using Flamewatch.NodeCollector.Tests.SimulatedNodes;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.SimulatedNodes;
using Flamewatch.TestKit.Timing;
using Flamewatch.TestKit.Webhooks;
using k8s;
using static Flamewatch.NodeCollector.Tests.KubernetesMode.KubernetesModeFixture;

namespace Flamewatch.NodeCollector.Tests.KubernetesMode;

/// <summary>
/// The whole path on the test API server and a simulated node: flamewatch-operator (its own process, webhook on) and the
/// collector. A pod that existed before its ContinuousProfile starts without the sampling rate, is sampled duty-cycled
/// and counted in the status; a pod created afterwards is stored with the variable, its .NET process starts with the
/// pod's environment and is sampled continuously; with the operator gone, pods are still created.
/// </summary>
public sealed class WebhookEndToEndTests(KubernetesModeFixture fixture) : IClassFixture<KubernetesModeFixture>
{
    [SimulatedNodeFact]
    public async Task Pods_created_after_the_profile_sample_continuously_older_ones_are_counted_duty_cycled()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var token = timeout.Token;
        await fixture.Api.CreateFromYamlAsync(await File.ReadAllTextAsync(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml"), token), token);
        var port = Loopback.FreePort();
        using var op = StartOperator(fixture.Api.KubeconfigPath, port);
        try
        {
            await fixture.Api.CreateFromYamlAsync(PodWebhookConfiguration.ForUrl(new Uri($"https://127.0.0.1:{port}/mutate-pods")), token);
            await Eventually.UntilAsync(() => fixture.Api.Objects("admissionregistration.k8s.io", "mutatingwebhookconfigurations")[0]["webhooks"]?[0]?["clientConfig"]?["caBundle"] is not null, token);

            var before = await fixture.CreatePodAsync(UniqueApplication("before"), null, [("app", ContainerProgram.DotNet)], token, environment: new Dictionary<string, string>());
            await fixture.Api.CreateFromYamlAsync($$"""
                apiVersion: flamewatch.io/v1alpha1
                kind: ContinuousProfile
                metadata: {name: shop, namespace: {{Namespace}}}
                spec:
                  selector: {matchExpressions: [{key: app, operator: Exists}]}
                  period: 10s
                  uploadTimeout: 5s
                """, token);
            await Eventually.UntilAsync(() => Profile()?["status"]?["dutyCycledPods"]?.GetValue<int>() == 1, token);
            var dutyCycled = await fixture.WaitForEventAsync(before, EventReasons.DutyCycled, token);
            Assert.Contains("Restart the pod", dutyCycled.Message, StringComparison.Ordinal);
            Assert.Contains("restart it to get continuous sampling", Ready(), StringComparison.Ordinal);

            // Created now: the webhook gives its container the variable, so its process starts sampling at 100 Hz.
            var after = await fixture.CreatePodAsync(UniqueApplication("after"), null, [("app", ContainerProgram.DotNet)], token, environment: new Dictionary<string, string>());
            var stored = await fixture.Client.CoreV1.ReadNamespacedPodAsync(after.Name, Namespace, cancellationToken: token);
            Assert.Equal("A", stored.Spec.Containers[0].Env.Single(e => e.Name == SamplingRateVariable.Name).Value);
            Assert.Equal("A", stored.Metadata.Annotations[FlamewatchAnnotations.SamplingRateInjected]);
            var attached = await fixture.WaitForEventAsync(after, EventReasons.Attached, token);
            Assert.Contains("sampled continuously", attached.Message, StringComparison.Ordinal);
            await Eventually.UntilAsync(() => Profile()?["status"]?["matchedPods"]?.GetValue<int>() == 2, token);
            Assert.Equal(1, Profile()!["status"]!["dutyCycledPods"]!.GetValue<int>());
            Assert.DoesNotContain(await fixture.EventsAsync(after, token), e => e.Reason == EventReasons.DutyCycled);

            // The webhook goes away: pods are still created, unchanged.
            op.Kill();
            var down = await fixture.CreatePodAsync(UniqueApplication("down"), null, [("app", ContainerProgram.NotDotNet)], token, environment: new Dictionary<string, string>());
            var downStored = await fixture.Client.CoreV1.ReadNamespacedPodAsync(down.Name, Namespace, cancellationToken: token);
            Assert.Null(downStored.Spec.Containers[0].Env);
        }
        finally
        {
            op.Kill();
        }
    }

    private JsonObject? Profile() => fixture.Api.Objects(V1Alpha1ContinuousProfile.Group, V1Alpha1ContinuousProfile.Plural).FirstOrDefault();

    private string Ready() =>
        Profile()?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["message"]?.GetValue<string>() ?? "";



    private static ChildProcess StartOperator(string kubeconfig, int webhookPort) =>
        ChildProcess.Start("flamewatch-operator.dll",
            [
                "--kubeconfig", kubeconfig, "--leader-elect", "false", "--urls", "http://127.0.0.1:0",
                "--webhook", "true", "--webhook-port", webhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Webhook:ListenAddress=127.0.0.1",
                "--webhook-additional-names", "127.0.0.1", "--Webhook:RefreshInterval=00:00:01",
            ],
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
}

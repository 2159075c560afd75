using System.Text.Json.Nodes;
using Flamewatch.TestKit;
using k8s;
using k8s.Models;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>A fresh test API server and official client per test, and a generous per-test timeout.</summary>
public abstract class ServerTestBase : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    protected TestApiServer Server { get; private set; } = null!;

    protected IKubernetes Client { get; private set; } = null!;

    protected CancellationToken Timeout => _timeout.Token;

    protected virtual TestApiServerOptions Options => new();

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(Options, Timeout);
        Client = Server.CreateClient();
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _timeout.Dispose();
    }

    protected static V1Pod NewPod(string name, string? node = null, Dictionary<string, string>? labels = null, string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "app", Image = "example/app:1.0" }] },
    };

    protected Task<V1Pod> CreatePodAsync(V1Pod pod) => Client.CoreV1.CreateNamespacedPodAsync(pod, pod.Metadata.NamespaceProperty ?? "default", cancellationToken: Timeout);

    protected Task<V1Pod> DeletePodAsync(string name, string ns = "default") => Client.CoreV1.DeleteNamespacedPodAsync(name, ns, cancellationToken: Timeout);

    protected Task<V1Pod> MergePatchPodAsync(string name, string json, string ns = "default") =>
        Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(json, V1Patch.PatchType.MergePatch), name, ns, cancellationToken: Timeout);

    protected Task<V1Pod> AnnotatePodAsync(string name, string key, string value, string ns = "default") =>
        MergePatchPodAsync(name, new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [key] = value } } }.ToJsonString(), ns);

    /// <summary>Polls until <paramref name="condition"/> holds or the test times out.</summary>
    protected async Task EventuallyAsync(Func<bool> condition, string because, TimeSpan? within = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        cts.CancelAfter(within ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("timed out waiting: " + because);
            }
        }
    }
}

using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes.Client;
using Flamewatch.Operator.Hosting;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Timing;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>
/// A test API server with the Flamewatch CRD installed and a namespace "shop", plus the operator built exactly as
/// flamewatch-operator builds itself (same host, same flags), talking to the server over HTTP through the
/// generated kubeconfig. Can run several operators (leader election) and restart them.
/// </summary>
internal sealed class OperatorHarness : IAsyncDisposable
{
    public const string Namespace = "shop";
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<WebApplication> _operators = [];

    private OperatorHarness(TestApiServer server, IKubernetes client, OffsetTimeProvider serverClock)
    {
        Server = server;
        Client = client;
        ServerClock = serverClock;
    }

    public TestApiServer Server { get; }

    /// <summary>The test API server's clock (creation timestamps): a test moves it ahead instead of waiting.</summary>
    public OffsetTimeProvider ServerClock { get; }

    public IKubernetes Client { get; }

    public static async Task<OperatorHarness> StartAsync(CancellationToken cancellationToken)
    {
        var serverClock = new OffsetTimeProvider();
        var server = await TestApiServer.StartAsync(new TestApiServerOptions { TimeProvider = serverClock }, cancellationToken);
        var client = server.CreateClient();
        await server.CreateFromYamlAsync(await File.ReadAllTextAsync(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml"), cancellationToken), cancellationToken);
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: cancellationToken);
        return new OperatorHarness(server, client, serverClock);
    }

    /// <summary>Starts an operator; returns its host and the base URL of its health/metrics endpoints.</summary>
    public async Task<(WebApplication Host, Uri Url)> StartOperatorAsync(CancellationToken cancellationToken, params string[] extraArgs)
    {
        string[] args = ["--kubeconfig", Server.KubeconfigPath, "--urls", "http://127.0.0.1:0", .. extraArgs];
        if (!extraArgs.Contains("--leader-elect"))
        {
            args = [.. args, "--leader-elect", "false"];
        }

        var host = OperatorHost.Build(args, services => services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)));
        await host.StartAsync(cancellationToken);
        _operators.Add(host);
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (host, new Uri(address));
    }

    public async Task StopOperatorAsync(WebApplication host)
    {
        _operators.Remove(host);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StopAsync(timeout.Token);
        await host.DisposeAsync();
    }

    public Task<V1Pod> CreatePodAsync(string name, Dictionary<string, string> labels, Dictionary<string, string>? annotations = null, CancellationToken cancellationToken = default) =>
        Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = labels, Annotations = annotations },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "example/app:1" }] },
            },
            Namespace,
            cancellationToken: cancellationToken);

    public async Task<V1Alpha1ContinuousProfile> CreateProfileAsync(string name, V1Alpha1ContinuousProfileSpec spec, CancellationToken cancellationToken)
    {
        using var response = await Client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync<V1Alpha1ContinuousProfile>(
            new V1Alpha1ContinuousProfile { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace }, Spec = spec },
            V1Alpha1ContinuousProfile.Group,
            V1Alpha1ContinuousProfile.Version,
            Namespace,
            V1Alpha1ContinuousProfile.Plural,
            cancellationToken: cancellationToken);
        return response.Body;
    }

    public async Task<V1Alpha1ContinuousProfile> GetProfileAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await Client.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<V1Alpha1ContinuousProfile>(
            V1Alpha1ContinuousProfile.Group, V1Alpha1ContinuousProfile.Version, Namespace, V1Alpha1ContinuousProfile.Plural, name, cancellationToken: cancellationToken);
        return response.Body;
    }

    /// <summary>The profile, or null once it is gone.</summary>
    public async Task<V1Alpha1ContinuousProfile?> TryGetProfileAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await GetProfileAsync(name, cancellationToken);
        }
        catch (Exception exception) when (exception.IsNotFound())
        {
            return null;
        }
    }

    public Task DeleteProfileAsync(string name, CancellationToken cancellationToken) =>
        Client.CustomObjects.DeleteNamespacedCustomObjectAsync(V1Alpha1ContinuousProfile.Group, V1Alpha1ContinuousProfile.Version, Namespace, V1Alpha1ContinuousProfile.Plural, name, cancellationToken: cancellationToken);

    public Task PatchProfileSpecAsync(string name, JsonObject specPatch, CancellationToken cancellationToken) =>
        Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(new JsonObject { ["spec"] = specPatch }.ToJsonString(), V1Patch.PatchType.MergePatch),
            V1Alpha1ContinuousProfile.Group,
            V1Alpha1ContinuousProfile.Version,
            Namespace,
            V1Alpha1ContinuousProfile.Plural,
            name,
            cancellationToken: cancellationToken);

    public async Task<IList<Corev1Event>> EventsAsync(CancellationToken cancellationToken) =>
        (await Client.CoreV1.ListNamespacedEventAsync(Namespace, cancellationToken: cancellationToken)).Items;

    /// <summary>The holder of a Lease in the harness's namespace, or null when there is no such Lease.</summary>
    public async Task<string?> LeaseHolderAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await Client.CoordinationV1.ReadNamespacedLeaseAsync(name, Namespace, cancellationToken: cancellationToken)).Spec?.HolderIdentity;
        }
        catch (Exception exception) when (exception.IsNotFound())
        {
            return null;
        }
    }

    public Task RelabelPodAsync(string name, Dictionary<string, string?> labels, CancellationToken cancellationToken)
    {
        var node = new JsonObject();
        foreach (var (key, value) in labels)
        {
            node[key] = value;
        }

        return Client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = node } }.ToJsonString(), V1Patch.PatchType.MergePatch), name, Namespace, cancellationToken: cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> AnnotationsAsync(string pod, CancellationToken cancellationToken) =>
        new Dictionary<string, string>((await Client.CoreV1.ReadNamespacedPodAsync(pod, Namespace, cancellationToken: cancellationToken)).Metadata.Annotations ?? new Dictionary<string, string>());

    /// <summary>The flamewatch.io annotations of a pod.</summary>
    public async Task<Dictionary<string, string>> FlamewatchAnnotationsAsync(string pod, CancellationToken cancellationToken) =>
        (await AnnotationsAsync(pod, cancellationToken)).Where(a => a.Key.StartsWith(FlamewatchAnnotations.Prefix, StringComparison.Ordinal)).ToDictionary();

    public async Task<string?> ManagedByAsync(string pod, CancellationToken cancellationToken) =>
        (await AnnotationsAsync(pod, cancellationToken)).GetValueOrDefault(FlamewatchAnnotations.ManagedBy);

    public Task WaitForManagedByAsync(string pod, string profile, string what, CancellationToken cancellationToken) =>
        EventuallyAsync(async () => await ManagedByAsync(pod, cancellationToken) == profile, what, cancellationToken);

    /// <summary>Waits until the profile's condition of <paramref name="type"/> satisfies <paramref name="check"/>.</summary>
    public Task WaitForConditionAsync(string profile, string type, Func<V1Alpha1Condition?, bool> check, string what, CancellationToken cancellationToken) =>
        EventuallyAsync(async () => check((await GetProfileAsync(profile, cancellationToken)).Status?.FindCondition(type)), what, cancellationToken);

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the last value seen.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within ?? Patience);
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception exception) when (exception.IsApiError())
            {
                last = exception;
            }

            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting until {what}{(last is null ? string.Empty : $" (last error: {last.Message})")}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _operators.ToList())
        {
            await StopOperatorAsync(host);
        }

        Client.Dispose();
        try
        {
            await Server.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
            // TestApiServer.DisposeAsync aborts every registered watch, including one whose request has just ended
            // (its HttpContext is already disposed): a cleanup race in the test server, not an operator failure.
        }
    }

    /// <summary>Drops every open watch (tolerating a watch that ended at the same moment, see <see cref="DisposeAsync"/>).</summary>
    public void DropWatches()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Server.DropWatches();
                return;
            }
            catch (ObjectDisposedException) when (attempt < 5)
            {
            }
        }
    }
}

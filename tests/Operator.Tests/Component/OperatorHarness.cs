using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes.Json;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.Operator.Hosting;
using Flamewatch.Operator.Kubernetes;
using Flamewatch.TestKit;
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

    private OperatorHarness(TestApiServer server, KubeApiClient client)
    {
        Server = server;
        Client = client;
    }

    public TestApiServer Server { get; }

    public KubeApiClient Client { get; }

    public IResourceClient<Pod> Pods => Client.Pods();

    public IResourceClient<ContinuousProfileResource> Profiles => Client.Resource<ContinuousProfileResource>(ContinuousProfileResource.Type);

    public static async Task<OperatorHarness> StartAsync(CancellationToken cancellationToken)
    {
        var server = await TestApiServer.StartAsync(cancellationToken: cancellationToken);
        var client = server.CreateClient();
        var crd = KubeJson.Deserialize<GenericObject>(YamlJson.ParseDocuments(File.ReadAllText(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml")))[0]);
        await client.Resource<GenericObject>(ResourceType.CustomResourceDefinitions).CreateAsync(crd, cancellationToken);
        await client.Resource<GenericObject>(ResourceType.Namespaces).CreateAsync(new GenericObject { Metadata = new ObjectMeta { Name = Namespace } }, cancellationToken);
        return new OperatorHarness(server, client);
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

    public Task<Pod> CreatePodAsync(string name, Dictionary<string, string> labels, Dictionary<string, string>? annotations = null, CancellationToken cancellationToken = default) =>
        Pods.CreateAsync(
            new Pod
            {
                Metadata = new ObjectMeta { Name = name, Namespace = Namespace, Labels = labels, Annotations = annotations },
                Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "example/app:1" }] },
            },
            cancellationToken);

    public Task<ContinuousProfileResource> CreateProfileAsync(string name, V1Alpha1ContinuousProfileSpec spec, CancellationToken cancellationToken) =>
        Profiles.CreateAsync(new ContinuousProfileResource { Metadata = new ObjectMeta { Name = name, Namespace = Namespace }, Spec = spec }, cancellationToken);

    public Task PatchProfileSpecAsync(string name, JsonObject specPatch, CancellationToken cancellationToken) =>
        Profiles.PatchAsync(Namespace, name, KubePatch.Merge(new JsonObject { ["spec"] = specPatch }), cancellationToken);

    public Task RelabelPodAsync(string name, Dictionary<string, string?> labels, CancellationToken cancellationToken)
    {
        var node = new JsonObject();
        foreach (var (key, value) in labels)
        {
            node[key] = value;
        }

        return Pods.PatchAsync(Namespace, name, KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = node } }), cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, string>> AnnotationsAsync(string pod, CancellationToken cancellationToken) =>
        (await Pods.GetAsync(Namespace, pod, cancellationToken)).Metadata.Annotations ?? [];

    /// <summary>The flamewatch.io annotations of a pod.</summary>
    public async Task<Dictionary<string, string>> FlamewatchAnnotationsAsync(string pod, CancellationToken cancellationToken) =>
        (await AnnotationsAsync(pod, cancellationToken)).Where(a => a.Key.StartsWith(FlamewatchAnnotations.Prefix, StringComparison.Ordinal)).ToDictionary();

    public async Task<string?> ManagedByAsync(string pod, CancellationToken cancellationToken) =>
        (await AnnotationsAsync(pod, cancellationToken)).GetValueOrDefault(FlamewatchAnnotations.ManagedBy);

    public Task WaitForManagedByAsync(string pod, string profile, string what, CancellationToken cancellationToken) =>
        EventuallyAsync(async () => await ManagedByAsync(pod, cancellationToken) == profile, what, cancellationToken);

    /// <summary>Waits until the profile's condition of <paramref name="type"/> satisfies <paramref name="check"/>.</summary>
    public Task WaitForConditionAsync(string profile, string type, Func<V1Alpha1Condition?, bool> check, string what, CancellationToken cancellationToken) =>
        EventuallyAsync(async () => check((await Profiles.GetAsync(Namespace, profile, cancellationToken)).Status?.FindCondition(type)), what, cancellationToken);

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
            catch (KubeApiException exception)
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

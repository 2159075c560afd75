using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.TestKit;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>A fresh test API server and client per test, and a generous per-test timeout.</summary>
public abstract class ServerTestBase : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    protected TestApiServer Server { get; private set; } = null!;

    protected KubeApiClient Api { get; private set; } = null!;

    protected CancellationToken Timeout => _timeout.Token;

    protected virtual TestApiServerOptions Options => new();

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(Options, Timeout);
        Api = Server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
        _timeout.Dispose();
    }

    protected static Pod NewPod(string name, string? node = null, Dictionary<string, string>? labels = null, string ns = "default") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Spec = new PodSpec { NodeName = node, Containers = [new Container { Name = "app", Image = "example/app:1.0" }] },
    };

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

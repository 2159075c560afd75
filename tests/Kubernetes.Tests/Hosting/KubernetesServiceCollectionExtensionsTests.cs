using Flamewatch.Kubernetes.Config;
using Flamewatch.Kubernetes.Hosting;
using Flamewatch.Kubernetes.Rest;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Flamewatch.Kubernetes.Tests.Hosting;

/// <summary>How the operator and the collector get their client: <c>--kubeconfig</c>, else the standard order, else a clear error.</summary>
public sealed class KubernetesServiceCollectionExtensionsTests : ServerTestBase, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flamewatch-hosting-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_kubeconfig_flag_names_the_cluster_the_client_talks_to()
    {
        await Api.Pods().CreateAsync(NewPod("web-1"), Timeout);
        await using var provider = Services(kubeconfig: Server.KubeconfigPath);

        var pods = await provider.GetRequiredService<IKubeApi>().Pods().ListAsync("default", cancellationToken: Timeout);

        Assert.Equal("web-1", Assert.Single(pods.Items).Metadata.Name);
    }

    [Fact]
    public async Task Without_the_flag_KUBECONFIG_is_used()
    {
        await using var provider = Services(kubeconfig: null, variables: new() { ["KUBECONFIG"] = Server.KubeconfigPath });

        var pods = await provider.GetRequiredService<IKubeApi>().Pods().ListAsync("default", cancellationToken: Timeout);

        Assert.Empty(pods.Items);
    }

    [Fact]
    public async Task No_configuration_anywhere_is_one_clear_error_naming_what_was_tried()
    {
        await using var provider = Services(kubeconfig: null);

        var error = Assert.Throws<KubeConfigException>(() => provider.GetRequiredService<IKubeApi>());

        Assert.StartsWith("no usable Kubernetes configuration: no Kubernetes configuration found; tried: KUBECONFIG (not set); ", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir, ".kube", "config"), error.Message, StringComparison.Ordinal);
        Assert.Contains("in-cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_kubeconfig_is_a_clear_error_naming_the_file()
    {
        var path = Path.Combine(_dir, "broken.yaml");
        await File.WriteAllTextAsync(path, "clusters: [", Timeout);
        await using var provider = Services(kubeconfig: path);

        var error = Assert.Throws<KubeConfigException>(() => provider.GetRequiredService<IKubeApi>());

        Assert.StartsWith("no usable Kubernetes configuration: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_registered_first_is_kept()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IKubeApi>(Api);
        services.AddKubernetesClient(_ => "/nonexistent/kubeconfig");
        await using var provider = services.BuildServiceProvider();

        Assert.Same(Api, provider.GetRequiredService<IKubeApi>());
    }

    /// <summary>A container whose configuration environment has no variables but <paramref name="variables"/> and an empty home.</summary>
    private ServiceProvider Services(string? kubeconfig, Dictionary<string, string>? variables = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new KubeConfigEnvironment
        {
            GetVariable = name => variables?.GetValueOrDefault(name),
            HomeDirectory = _dir,
            ServiceAccountDirectory = Path.Combine(_dir, "serviceaccount"),
        });
        services.AddKubernetesClient(_ => kubeconfig);
        return services.BuildServiceProvider();
    }
}

using Flamewatch.Kubernetes.Client;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flamewatch.Kubernetes.Hosting;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the official client's <see cref="KubernetesClientConfiguration"/> and <see cref="IKubernetes"/>, built on
    /// first use from the kubeconfig file that <paramref name="kubeconfigPath"/> returns (an executable's <c>--kubeconfig</c>),
    /// or when that is empty the standard way (<see cref="KubeConfiguration.Load"/>) in the registered
    /// <see cref="KubeConfigEnvironment"/> (the process's unless one is registered). Uses TryAdd, so tests can register
    /// their own environment, configuration, client or clock first.
    /// </summary>
    /// <remarks>
    /// Resolving either throws <see cref="k8s.Exceptions.KubeConfigException"/> starting with "no usable Kubernetes
    /// configuration: " when nothing usable is found: executables resolve it at startup and print that one line.
    /// </remarks>
    public static IServiceCollection AddKubernetesClient(this IServiceCollection services, Func<IServiceProvider, string?> kubeconfigPath)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(KubeConfigEnvironment.Process);
        services.TryAddSingleton(provider => KubeConfiguration.Load(kubeconfigPath(provider), provider.GetRequiredService<KubeConfigEnvironment>()));
        services.TryAddSingleton(provider => KubeClients.Create(provider.GetRequiredService<KubernetesClientConfiguration>()));
        return services;
    }
}

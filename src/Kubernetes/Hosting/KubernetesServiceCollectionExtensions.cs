using Flamewatch.Kubernetes.Config;
using Flamewatch.Kubernetes.Rest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Kubernetes.Hosting;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>The message every executable prints, before what was tried, when it finds no Kubernetes configuration.</summary>
    public const string NoConfigurationMessage = "no usable Kubernetes configuration";

    /// <summary>
    /// Registers <see cref="IKubeApi"/>, built on first use from the kubeconfig file that <paramref name="kubeconfigPath"/>
    /// returns (an executable's <c>--kubeconfig</c>), or when that is empty the standard way: KUBECONFIG, ~/.kube/config,
    /// then the in-cluster service account. Uses TryAdd, so tests can register their own client, clock or
    /// <see cref="KubeConfigEnvironment"/> first.
    /// </summary>
    /// <remarks>
    /// Resolving <see cref="IKubeApi"/> throws <see cref="KubeConfigException"/> with "no usable Kubernetes configuration: "
    /// and the places tried when nothing usable is found: executables resolve it at startup and print that one line.
    /// </remarks>
    public static IServiceCollection AddKubernetesClient(this IServiceCollection services, Func<IServiceProvider, string?> kubeconfigPath)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(KubeConfigEnvironment.System);
        services.TryAddSingleton<IKubeApi>(provider =>
        {
            var path = kubeconfigPath(provider);
            var loader = new KubeConfigLoader(provider.GetRequiredService<KubeConfigEnvironment>(), TimeProvider.System);
            KubeClientConfig config;
            try
            {
                config = string.IsNullOrEmpty(path) ? loader.Load() : loader.LoadFiles([path], contextName: null);
            }
            catch (KubeConfigException exception)
            {
                throw new KubeConfigException($"{NoConfigurationMessage}: {exception.Message}", exception);
            }

            return new KubeApiClient(config, timeProvider: provider.GetRequiredService<TimeProvider>(), logger: provider.GetRequiredService<ILogger<KubeApiClient>>());
        });
        return services;
    }
}

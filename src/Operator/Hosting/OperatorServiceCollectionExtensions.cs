using Flamewatch.Kubernetes.Config;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.Operator.Controller;
using Flamewatch.Operator.Kubernetes;
using Flamewatch.Operator.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Hosting;

internal static class OperatorServiceCollectionExtensions
{
    /// <summary>The ContinuousProfile controller and what it needs. Uses TryAdd so tests can supply their own clock or client.</summary>
    public static IServiceCollection AddOperator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OperatorOptions>().Bind(configuration.GetSection(OperatorOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OperatorOptions>, OperatorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubeApi>(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<OperatorOptions>>().Value;
            KubeClientConfig config;
            try
            {
                config = string.IsNullOrEmpty(settings.Kubeconfig) ? KubeClientConfig.Load() : KubeClientConfig.FromFile(settings.Kubeconfig);
            }
            catch (KubeConfigException exception)
            {
                throw new OperatorConfigurationException($"no usable Kubernetes configuration: {exception.Message}", exception);
            }

            return new KubeApiClient(config, timeProvider: provider.GetRequiredService<TimeProvider>(), logger: provider.GetRequiredService<ILogger<KubeApiClient>>());
        });
        services.TryAddSingleton<ControllerMetrics>();
        services.TryAddSingleton<OperatorState>();
        services.TryAddSingleton<ClusterCache>();
        services.TryAddSingleton<IClusterCache>(provider => provider.GetRequiredService<ClusterCache>());
        services.TryAddSingleton<EventRecorder>();
        services.TryAddSingleton<OwnWrites>();
        services.TryAddSingleton<PlanApplier>();
        services.TryAddSingleton<ContinuousProfileReconciler>();
        services.AddHostedService<ContinuousProfileController>();
        return services;
    }
}

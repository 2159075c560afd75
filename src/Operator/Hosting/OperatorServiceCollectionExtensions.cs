using Flamewatch.Kubernetes.Events;
using Flamewatch.Kubernetes.Hosting;
using Flamewatch.Operator.Controller;
using Flamewatch.Operator.Metrics;
using k8s;
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
        services.AddKubernetesClient(provider => provider.GetRequiredService<IOptions<OperatorOptions>>().Value.Kubeconfig);
        services.TryAddSingleton<ControllerMetrics>();
        services.TryAddSingleton<OperatorState>();
        services.TryAddSingleton<ClusterCache>();
        services.TryAddSingleton<IClusterCache>(provider => provider.GetRequiredService<ClusterCache>());
        services.TryAddSingleton(provider =>
        {
            var metrics = provider.GetRequiredService<ControllerMetrics>();
            return new EventRecorder(
                provider.GetRequiredService<IKubernetes>(),
                new EventRecorderOptions { Component = "flamewatch-operator", OnDropped = metrics.EventDropped },
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<EventRecorder>>());
        });
        services.TryAddSingleton<OwnWrites>();
        services.TryAddSingleton<PlanApplier>();
        services.TryAddSingleton<ContinuousProfileReconciler>();
        services.AddHostedService<ContinuousProfileController>();
        return services;
    }
}

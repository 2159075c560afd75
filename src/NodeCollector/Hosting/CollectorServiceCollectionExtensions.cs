using Flamewatch.Kubernetes.Events;
using Flamewatch.Kubernetes.Hosting;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.NodeCollector.Export;
using Flamewatch.NodeCollector.Metrics;
using Flamewatch.NodeCollector.Supervision;
using Flamewatch.Profiling.Os;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Hosting;

internal static class CollectorServiceCollectionExtensions
{
    /// <summary>The component that records the collector's Events on pods.</summary>
    public const string EventComponent = "flamewatch-collector";

    /// <summary>Kubernetes mode: pod informer of this node, discovery, session supervisor, exporters, Events, metrics. TryAdd lets tests substitute.</summary>
    public static IServiceCollection AddCollector(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CollectorOptions>().Bind(configuration.GetSection(CollectorOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CollectorOptions>, CollectorOptionsValidator>());
        services.AddOptions<ProcessDiscoveryOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProcessDiscoveryOptions>, ProcessDiscoveryOptionsValidator>());
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(60));
        services.TryAddSingleton(TimeProvider.System);
        services.AddKubernetesClient(provider => provider.GetRequiredService<IOptions<CollectorOptions>>().Value.Kubeconfig);
        services.TryAddSingleton(provider =>
        {
            var node = provider.GetRequiredService<IOptions<CollectorOptions>>().Value.NodeName;
            return new Informer<V1Pod>(
                ListWatch.Pods(provider.GetRequiredService<IKubernetes>()),
                new InformerOptions { FieldSelector = $"spec.nodeName={node}" },
                provider.GetRequiredService<ILoggerFactory>().CreateLogger("Flamewatch.NodeCollector.PodInformer"),
                provider.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<IInformer<V1Pod>>(provider => provider.GetRequiredService<Informer<V1Pod>>());
        services.TryAddSingleton(provider => new ProcFs(provider.GetRequiredService<IOptions<CollectorOptions>>().Value.ProcRoot));
        services.TryAddSingleton(provider => new ProcessDiscovery(
            provider.GetRequiredService<ProcFs>(),
            provider.GetRequiredService<IOptions<ProcessDiscoveryOptions>>().Value,
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<CollectorMetrics>();
        services.TryAddSingleton<ExporterPool>();
        services.TryAddSingleton(provider =>
        {
            var metrics = provider.GetRequiredService<CollectorMetrics>();
            var node = provider.GetRequiredService<IOptions<CollectorOptions>>().Value.NodeName;
            return new EventRecorder(
                provider.GetRequiredService<IKubernetes>(),
                new EventRecorderOptions
                {
                    Component = EventComponent,
                    Instance = $"{EventComponent}-{node}",
                    Host = node,
                    OnRecorded = metrics.EventRecorded,
                    OnDropped = metrics.EventDropped,
                },
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<EventRecorder>>());
        });
        services.TryAddSingleton<SessionSupervisor>();
        services.AddHostedService<PodInformerService>();
        services.AddHostedService<EventRecorderService>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionSupervisor>());
        return services;
    }
}

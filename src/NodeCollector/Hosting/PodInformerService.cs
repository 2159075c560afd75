using Flamewatch.Kubernetes.Informers;
using k8s.Models;
using Microsoft.Extensions.Hosting;

namespace Flamewatch.NodeCollector.Hosting;

/// <summary>Runs the pod informer (pods of this node only) for the life of the host.</summary>
internal sealed class PodInformerService(Informer<V1Pod> informer) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await informer.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

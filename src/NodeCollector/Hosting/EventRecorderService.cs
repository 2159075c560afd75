using Flamewatch.Kubernetes.Events;
using Microsoft.Extensions.Hosting;

namespace Flamewatch.NodeCollector.Hosting;

/// <summary>Sends the Events the supervisor records on pods, off its path, for the life of the host.</summary>
internal sealed class EventRecorderService(EventRecorder recorder) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => recorder.RunAsync(stoppingToken);
}

using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using Flamewatch.Kubernetes.Events;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.Kubernetes.LeaderElection;
using Flamewatch.Kubernetes.Queue;
using Flamewatch.Operator.Hosting;
using Flamewatch.Operator.Metrics;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// The one controller: keyed by ContinuousProfile namespace/name. Informers run on every replica (so a new leader
/// starts warm and /readyz reflects cache sync); only the Lease holder runs the workers that write. Losing the
/// Lease stops the process, as controller-runtime does, so that a restarted replica rejoins the election cleanly.
/// </summary>
internal sealed class ContinuousProfileController(
    IKubernetes client,
    KubernetesClientConfiguration clientConfig,
    ClusterCache cache,
    EventRecorder events,
    OwnWrites ownWrites,
    ContinuousProfileReconciler reconciler,
    OperatorState state,
    ControllerMetrics metrics,
    IOptions<OperatorOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ContinuousProfileController> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var queue = new WorkQueue<ObjectKey>(time);
        metrics.ObserveQueue(() => queue.Count);
        metrics.ObserveLeadership(() => state.IsLeader);
        Log.ControllerStarting(logger, clientConfig.Host ?? "(injected client)", settings.Namespace ?? "(all)", settings.LeaderElection);

        using var profileEvents = cache.Profiles.AddHandler(new ResourceEventHandler<V1Alpha1ContinuousProfile>(
            added => OnProfileChanged(queue, null, added),
            (previous, current) => OnProfileChanged(queue, previous, current),
            deleted => OnProfileChanged(queue, deleted, null)));
        using var podEvents = cache.Pods.AddHandler(new ResourceEventHandler<V1Pod>(
            added => OnPodChanged(queue, null, added),
            (previous, current) => OnPodChanged(queue, previous, current),
            deleted => OnPodChanged(queue, deleted, null)));

        var informers = Task.WhenAll(cache.Profiles.RunAsync(stoppingToken), cache.Pods.RunAsync(stoppingToken), events.RunAsync(stoppingToken));
        try
        {
            await Task.WhenAll(cache.Profiles.WaitForSyncAsync(stoppingToken), cache.Pods.WaitForSyncAsync(stoppingToken)).ConfigureAwait(false);
            state.CachesSynced = true;
            Log.InformersSynced(logger, cache.Profiles.List().Count, cache.Pods.List().Count);

            if (!settings.LeaderElection)
            {
                await LeadAsync(queue, stoppingToken).ConfigureAwait(false);
                return;
            }

            var identity = string.IsNullOrEmpty(settings.Identity) ? $"{Environment.MachineName}_{Guid.NewGuid():N}" : settings.Identity;
            var leaseNamespace = string.IsNullOrEmpty(settings.LeaseNamespace) ? clientConfig.Namespace ?? "default" : settings.LeaseNamespace;
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(client, leaseNamespace, settings.LeaseName, identity))
            {
                LeaseDuration = settings.LeaseDuration,
                RenewDeadline = settings.RenewDeadline,
                RetryPeriod = settings.RetryPeriod,
            });
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task? workers = null;
            elector.OnStartedLeading += () =>
            {
                Log.StartedLeading(logger, identity);
                workers = LeadAsync(queue, leading.Token);
            };
            elector.OnStoppedLeading += () =>
            {
                state.IsLeader = false;
                leading.Cancel();
            };
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                await leading.CancelAsync().ConfigureAwait(false);
                if (workers is not null)
                {
                    await workers.ConfigureAwait(false);
                }

                if (stoppingToken.IsCancellationRequested)
                {
                    // client-go's ReleaseOnCancel: let a successor take over at once.
                    using var release = new CancellationTokenSource(settings.RenewDeadline);
                    await LeaseRelease.ReleaseAsync(client, leaseNamespace, settings.LeaseName, identity, logger, release.Token).ConfigureAwait(false);
                }
            }

            if (!stoppingToken.IsCancellationRequested)
            {
                // Lost the Lease: stop, as controller-runtime does, so that this replica rejoins the election afresh.
                Log.StoppedLeading(logger, identity);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            state.Faulted = exception;
            throw;
        }
        finally
        {
            state.IsLeader = false;
            queue.ShutDown();
            await informers.ConfigureAwait(false);
        }
    }

    /// <summary>Runs the workers while this replica may write.</summary>
    private async Task LeadAsync(WorkQueue<ObjectKey> queue, CancellationToken leading)
    {
        state.IsLeader = true;
        EnqueueEverything(queue);
        var workers = Enumerable.Range(0, options.Value.MaxConcurrentReconciles).Select(_ => WorkerAsync(queue, leading));
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
        finally
        {
            state.IsLeader = false;
        }
    }

    private void OnProfileChanged(WorkQueue<ObjectKey> queue, V1Alpha1ContinuousProfile? previous, V1Alpha1ContinuousProfile? current)
    {
        if (ownWrites.IsEcho(previous, current))
        {
            return;
        }

        var ns = (current ?? previous)?.Metadata.NamespaceProperty;
        foreach (var key in EventMapper.ForProfile(previous, current, ns is null ? [] : cache.ProfilesIn(ns)))
        {
            Enqueue(queue, key);
        }
    }

    private void OnPodChanged(WorkQueue<ObjectKey> queue, V1Pod? previous, V1Pod? current)
    {
        if (ownWrites.IsEcho(previous, current))
        {
            return;
        }

        var ns = (current ?? previous)?.Metadata.NamespaceProperty;
        foreach (var key in EventMapper.ForPod(previous, current, ns is null ? [] : cache.ProfilesIn(ns)))
        {
            Enqueue(queue, key);
        }
    }

    private void Enqueue(WorkQueue<ObjectKey> queue, ObjectKey key)
    {
        metrics.QueueAdded();
        queue.Add(key);
    }

    /// <summary>
    /// After (re)gaining the Lease: every profile, plus every profile still named by a pod's managed-by annotation
    /// (a profile deleted while no operator ran leaves such pods behind; their key reconciles as "not found").
    /// </summary>
    private void EnqueueEverything(WorkQueue<ObjectKey> queue)
    {
        foreach (var profile in cache.Profiles.List(null))
        {
            queue.Add(ObjectKey.Of(profile));
        }

        foreach (var pod in cache.Pods.List(null))
        {
            if (pod.Metadata.Annotations?.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) == true && owner.Length > 0)
            {
                Enqueue(queue, new ObjectKey(pod.Metadata.NamespaceProperty, owner));
            }
        }
    }

    private async Task WorkerAsync(WorkQueue<ObjectKey> queue, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            var (ok, key) = await queue.GetAsync(cancellationToken).ConfigureAwait(false);
            if (!ok)
            {
                return;
            }

            var started = time.GetTimestamp();
            using var scope = logger.BeginScope(new Dictionary<string, object?>
            {
                ["Kind"] = "ContinuousProfile",
                ["Namespace"] = key.Namespace,
                ["Name"] = key.Name,
                ["ReconcileId"] = Guid.NewGuid().ToString("N"),
            });
            try
            {
                var result = await reconciler.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
                queue.Forget(key);
                if (result.RequeueAfter is { } delay)
                {
                    queue.AddAfter(key, delay);
                    metrics.ReconcileFinished("requeue_after", time.GetElapsedTime(started));
                }
                else
                {
                    metrics.ReconcileFinished("success", time.GetElapsedTime(started));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                var attempt = queue.NumRequeues(key) + 1;
                queue.AddRateLimited(key);
                metrics.QueueRetried();
                metrics.ReconcileFinished("error", time.GetElapsedTime(started));
                Log.ReconcileFailed(logger, key.ToString(), attempt, exception);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }
}

using Flamewatch.Contracts;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.Operator.Hosting;
using Flamewatch.Operator.Metrics;
using Flamewatch.Operator.Runtime;
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
    IKubeApi api,
    ClusterCache cache,
    ContinuousProfileReconciler reconciler,
    OperatorState state,
    ControllerMetrics metrics,
    IOptions<OperatorOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ContinuousProfileController> logger) : BackgroundService
{
    private KeyQueue<ObjectKey>? _queue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var queue = _queue = new KeyQueue<ObjectKey>(time) { OnAdd = metrics.QueueAdded, OnRetry = metrics.QueueRetried };
        metrics.ObserveQueue(() => queue.Count);
        metrics.ObserveLeadership(() => state.IsLeader);
        Log.ControllerStarting(logger, (api as KubeApiClient)?.Config.Server.ToString() ?? "(injected client)", settings.Namespace ?? "(all)", settings.LeaderElection);

        cache.Profiles.Changed += (previous, current) =>
        {
            var ns = (current ?? previous)?.Metadata.Namespace;
            foreach (var key in EventMapper.ForProfile(previous, current, ns is null ? [] : cache.ProfilesIn(ns)))
            {
                queue.Add(key);
            }
        };
        cache.Pods.Changed += (previous, current) =>
        {
            var ns = (current ?? previous)?.Metadata.Namespace;
            foreach (var key in EventMapper.ForPod(previous, current, ns is null ? [] : cache.ProfilesIn(ns)))
            {
                queue.Add(key);
            }
        };

        var informers = Task.WhenAll(cache.Profiles.RunAsync(stoppingToken), cache.Pods.RunAsync(stoppingToken));
        try
        {
            await Task.WhenAll(cache.Profiles.WaitForSyncAsync(stoppingToken), cache.Pods.WaitForSyncAsync(stoppingToken)).ConfigureAwait(false);
            state.CachesSynced = true;
            Log.InformersSynced(logger, cache.Profiles.Count, cache.Pods.Count);

            LeaseElector? elector = null;
            if (settings.LeaderElection)
            {
                elector = new LeaseElector(
                    api.Leases(),
                    string.IsNullOrEmpty(settings.LeaseNamespace) ? api.DefaultNamespace : settings.LeaseNamespace,
                    settings.LeaseName,
                    string.IsNullOrEmpty(settings.Identity) ? $"{Environment.MachineName}_{Guid.NewGuid():N}"[..Math.Min(63, Environment.MachineName.Length + 33)] : settings.Identity,
                    settings.LeaseDuration,
                    settings.RenewDeadline,
                    settings.RetryPeriod,
                    time,
                    logger);
                await elector.AcquireAsync(stoppingToken).ConfigureAwait(false);
                Log.StartedLeading(logger, elector.Identity);
            }

            state.IsLeader = true;
            EnqueueEverything(queue);

            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var workers = Enumerable.Range(0, settings.MaxConcurrentReconciles).Select(_ => WorkerAsync(queue, leading.Token)).ToList();
            if (elector is not null)
            {
                await elector.HoldAsync(stoppingToken).ConfigureAwait(false);
                if (!stoppingToken.IsCancellationRequested)
                {
                    state.IsLeader = false;
                    Log.StoppedLeading(logger, elector.Identity);
                    await leading.CancelAsync().ConfigureAwait(false);
                    Environment.ExitCode = 1;
                    lifetime.StopApplication();
                }
            }

            await Task.WhenAll(workers).ConfigureAwait(false);
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

    /// <summary>
    /// After (re)gaining the Lease: every profile, plus every profile still named by a pod's managed-by annotation
    /// (a profile deleted while no operator ran leaves such pods behind; their key reconciles as "not found").
    /// </summary>
    private void EnqueueEverything(KeyQueue<ObjectKey> queue)
    {
        foreach (var profile in cache.Profiles.List(null))
        {
            queue.Add(ObjectKey.Of(profile));
        }

        foreach (var pod in cache.Pods.List(null))
        {
            if (pod.Metadata.Annotations?.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) == true && owner.Length > 0)
            {
                queue.Add(new ObjectKey(pod.Metadata.Namespace, owner));
            }
        }
    }

    private async Task WorkerAsync(KeyQueue<ObjectKey> queue, CancellationToken cancellationToken)
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
                var attempt = queue.Retries(key) + 1;
                var backoff = queue.AddRateLimited(key);
                metrics.ReconcileFinished("error", time.GetElapsedTime(started));
                Log.ReconcileFailed(logger, key.ToString(), attempt, backoff, exception);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }
}

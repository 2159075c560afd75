using System.Text.Json.Nodes;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes;
using Flamewatch.Kubernetes.Client;
using Flamewatch.Kubernetes.Events;
using Flamewatch.Operator.Metrics;
using Flamewatch.Operator.Planning;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// The small, effectful half of the reconciler: sends exactly what an <see cref="AnnotationPlan"/> lists, in the
/// order that keeps cleanup possible (finalizer first; pods; finalizer removal only after every pod is
/// released; status last). Each pod is patched on its own: one failing pod never keeps the others from being
/// patched; the failures are reported in the status and the reconcile is retried for them.
/// </summary>
internal sealed class PlanApplier(IKubernetes client, EventRecorder events, OwnWrites ownWrites, ControllerMetrics metrics, TimeProvider time, ILogger<PlanApplier> logger)
{
    /// <summary>Pod patches in flight at once for one profile.</summary>
    internal const int PatchParallelism = 8;

    /// <summary>Applies the plan; returns the number of pod patches sent. Throws <see cref="ReconcileRetryException"/> when something must be retried.</summary>
    public async Task<int> ApplyAsync(V1Alpha1ContinuousProfile profile, AnnotationPlan plan, CancellationToken cancellationToken)
    {
        if (plan.IsEmpty)
        {
            return 0;
        }

        var key = ObjectKey.Of(profile).ToString();
        var ns = profile.Metadata.NamespaceProperty!;
        if (plan.Finalizer == FinalizerAction.Add)
        {
            var finalizers = new List<string>(profile.Metadata.Finalizers ?? []) { V1Alpha1ContinuousProfile.Finalizer };
            try
            {
                ownWrites.ExpectFinalizersPatch(ns, profile.Metadata.Name!, profile.Metadata.ResourceVersion, finalizers);
                profile = await PatchProfileAsync(ns, profile.Metadata.Name!, FinalizersPatch(profile, finalizers), cancellationToken).ConfigureAwait(false);
                Log.FinalizerAdded(logger, key);
            }
            catch (Exception exception) when (exception.IsNotFound())
            {
                return 0;
            }
        }

        var failures = new List<(PodPatch Patch, Exception Error)>();
        var stale = 0;
        await Parallel.ForEachAsync(
            plan.PodPatches,
            new ParallelOptions { MaxDegreeOfParallelism = PatchParallelism, CancellationToken = cancellationToken },
            async (patch, token) =>
            {
                try
                {
                    ownWrites.ExpectPodPatch(ns, patch.Name, patch.ResourceVersion, patch.Annotations);
                    await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToMergePatchJson(), V1Patch.PatchType.MergePatch), patch.Name, ns, cancellationToken: token).ConfigureAwait(false);
                    metrics.PodPatched(success: true);
                }
                catch (Exception exception) when (exception.IsNotFound())
                {
                    // The pod is gone: nothing left to annotate or clean up.
                }
                catch (Exception exception) when (exception.IsConflict())
                {
                    Log.PodPatchStale(logger, ns, patch.Name, key);
                    Interlocked.Increment(ref stale);
                }
                catch (Exception exception) when (exception.IsApiError() || exception is HttpRequestException or TimeoutException)
                {
                    metrics.PodPatched(success: false);
                    Log.PodPatchFailed(logger, ns, patch.Name, key, exception);
                    lock (failures)
                    {
                        failures.Add((patch, exception));
                    }
                }
            }).ConfigureAwait(false);

        var complete = failures.Count == 0 && stale == 0;
        if (plan.Finalizer == FinalizerAction.Remove && complete)
        {
            var remaining = (profile.Metadata.Finalizers ?? []).Where(f => f != V1Alpha1ContinuousProfile.Finalizer).ToList();
            try
            {
                await PatchProfileAsync(ns, profile.Metadata.Name!, FinalizersPatch(profile, remaining), cancellationToken).ConfigureAwait(false);
                Log.FinalizerRemoved(logger, key);
            }
            catch (Exception exception) when (exception.IsNotFound())
            {
            }
        }

        var status = plan.Status;
        if (failures.Count > 0 && plan.Finalizer != FinalizerAction.Remove)
        {
            status = WithPatchFailures(status ?? profile.Status ?? new V1Alpha1ContinuousProfileStatus(), failures, profile, time.GetUtcNow());
        }

        if (status is not null && !AnnotationPlanner.StatusEquals(profile.Status, status))
        {
            var body = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)) };
            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch),
                    V1Alpha1ContinuousProfile.Group,
                    V1Alpha1ContinuousProfile.Version,
                    ns,
                    V1Alpha1ContinuousProfile.Plural,
                    profile.Metadata.Name!,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception.IsNotFound())
            {
                return plan.PodPatches.Count;
            }
        }

        if (complete)
        {
            foreach (var planned in plan.Events)
            {
                events.Record(Reference(profile), planned.Type, planned.Reason, planned.Message);
            }
        }
        else if (failures.Count > 0)
        {
            events.Record(Reference(profile), PlannedEvent.Warning, "PodPatchFailed", FailureMessage(failures));
        }

        if (!complete)
        {
            throw new ReconcileRetryException(
                failures.Count > 0 ? FailureMessage(failures) : $"{stale} pod(s) changed while being patched",
                failures.Count > 0 ? failures[0].Error : null);
        }

        return plan.PodPatches.Count;
    }

    /// <summary>The object an Event on a profile is about.</summary>
    internal static V1ObjectReference Reference(V1Alpha1ContinuousProfile profile) => new()
    {
        ApiVersion = V1Alpha1ContinuousProfile.ApiVersionValue,
        Kind = V1Alpha1ContinuousProfile.KindValue,
        NamespaceProperty = profile.Metadata.NamespaceProperty,
        Name = profile.Metadata.Name,
        Uid = profile.Metadata.Uid,
        ResourceVersion = profile.Metadata.ResourceVersion,
    };

    private async Task<V1Alpha1ContinuousProfile> PatchProfileAsync(string ns, string name, V1Patch patch, CancellationToken cancellationToken)
    {
        using var response = await client.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync<V1Alpha1ContinuousProfile>(
            patch, V1Alpha1ContinuousProfile.Group, V1Alpha1ContinuousProfile.Version, ns, V1Alpha1ContinuousProfile.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Body;
    }

    /// <summary>Finalizers are a list, which a merge patch replaces whole: guard it with the resourceVersion it was read at.</summary>
    private static V1Patch FinalizersPatch(V1Alpha1ContinuousProfile profile, List<string> finalizers) => new(new JsonObject
    {
        ["metadata"] = new JsonObject
        {
            ["resourceVersion"] = profile.Metadata.ResourceVersion,
            ["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
        },
    }.ToJsonString(), V1Patch.PatchType.MergePatch);

    private static V1Alpha1ContinuousProfileStatus WithPatchFailures(V1Alpha1ContinuousProfileStatus status, List<(PodPatch Patch, Exception Error)> failures, V1Alpha1ContinuousProfile profile, DateTimeOffset now)
    {
        var previous = profile.Status?.FindCondition(V1Alpha1ContinuousProfileStatus.ReadyCondition);
        var ready = new V1Alpha1Condition
        {
            Type = V1Alpha1ContinuousProfileStatus.ReadyCondition,
            Status = V1Alpha1Condition.False,
            ObservedGeneration = profile.Metadata.Generation,
            LastTransitionTime = previous is { Status: V1Alpha1Condition.False } ? previous.LastTransitionTime : Contracts.Api.KubernetesTimeConverter.Truncate(now),
            Reason = "PodPatchFailed",
            Message = FailureMessage(failures),
        };
        return new V1Alpha1ContinuousProfileStatus
        {
            ObservedGeneration = status.ObservedGeneration ?? profile.Metadata.Generation,
            MatchedPods = status.MatchedPods,
            DutyCycledPods = status.DutyCycledPods,
            Conditions = [ready, .. (status.Conditions ?? []).Where(c => c.Type != V1Alpha1ContinuousProfileStatus.ReadyCondition)],
        };
    }

    private static string FailureMessage(List<(PodPatch Patch, Exception Error)> failures) =>
        $"Could not patch {AnnotationPlanner.Pods(failures.Count)}: " + string.Join("; ", failures.OrderBy(f => f.Patch.Name, StringComparer.Ordinal).Take(AnnotationPlanner.MaxNamesListed)
            .Select(f => $"{f.Patch.Name} ({f.Error.Message})"));
}

using Flamewatch.Contracts.Api.V1Alpha1;

namespace Flamewatch.Operator.Planning;

/// <summary>
/// Everything one reconcile of a ContinuousProfile has to write: the pod patches (only real diffs), the status
/// (null when unchanged or when the profile is being deleted), the finalizer step and the Events to record.
/// </summary>
internal sealed record AnnotationPlan(
    FinalizerAction Finalizer,
    IReadOnlyList<PodPatch> PodPatches,
    V1Alpha1ContinuousProfileStatus? Status,
    IReadOnlyList<PlannedEvent> Events)
{
    public static AnnotationPlan Nothing { get; } = new(FinalizerAction.None, [], null, []);

    public bool IsEmpty => Finalizer == FinalizerAction.None && PodPatches.Count == 0 && Status is null && Events.Count == 0;
}

using Flamewatch.Contracts;
using Flamewatch.Contracts.Api;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Settings;

namespace Flamewatch.Operator.Planning;

/// <summary>
/// The pure half of the reconciler: one ContinuousProfile, the pods and the other ContinuousProfiles of its
/// namespace (as the informer caches show them) → the minimal writes that bring the pods, the status and the
/// finalizer to the desired state. No I/O, no clock: the same inputs always give the same plan.
/// </summary>
internal static class AnnotationPlanner
{
    /// <summary>How many pod names a condition message or Event lists before summarizing the rest.</summary>
    internal const int MaxNamesListed = 10;

    public static AnnotationPlan Plan(
        V1Alpha1ContinuousProfile profile,
        IReadOnlyList<PodSnapshot> pods,
        IReadOnlyList<V1Alpha1ContinuousProfile> otherProfiles,
        DateTimeOffset now)
    {
        var name = profile.Metadata.Name ?? throw new ArgumentException("the profile has no name", nameof(profile));
        var ns = profile.Metadata.NamespaceProperty;
        var deleting = profile.Metadata.DeletionTimestamp is not null;
        var hasFinalizer = profile.Metadata.Finalizers?.Contains(V1Alpha1ContinuousProfile.Finalizer) == true;
        if (deleting && !hasFinalizer)
        {
            return AnnotationPlan.Nothing;
        }

        var settings = EffectiveSettings.FromSpec(profile.Spec, name);
        var suspended = profile.Spec.Suspend == true;
        var selector = settings.Errors.Any(e => e.Source.StartsWith("spec.selector", StringComparison.Ordinal)) ? null : profile.Spec.Selector;
        var claimsPods = !deleting && !suspended && settings.IsValid;
        var desired = settings.Settings.ToAnnotations(name);
        var rivals = otherProfiles
            .Where(other => other.Metadata.NamespaceProperty == ns && other.Metadata.Name != name && other.Spec.Selector is not null)
            .ToArray();
        var claims = new Dictionary<V1Alpha1ContinuousProfile, bool>(ReferenceEqualityComparer.Instance);

        var patches = new List<PodPatch>();
        var matched = 0;
        var profiled = 0;
        var dutyCycled = 0;
        var handManaged = new List<string>();
        var conflicts = new List<(string Pod, string Winner)>();
        // Only pods this profile matches or has annotated matter; sorting just those keeps plans deterministic
        // without sorting every pod of a large namespace on each reconcile.
        var relevant = new List<(PodSnapshot Pod, bool Matches)>();
        foreach (var pod in pods)
        {
            if (pod.Namespace != ns)
            {
                continue;
            }

            var matches = selector is not null && pod.IsActive && selector.Matches(pod.Labels);
            if (matches || (pod.Annotations.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) && owner == name))
            {
                relevant.Add((pod, matches));
            }
        }

        relevant.Sort((a, b) => string.CompareOrdinal(a.Pod.Name, b.Pod.Name));
        foreach (var (pod, matches) in relevant)
        {
            if (matches)
            {
                matched++;
            }

            if (FlamewatchAnnotations.IsUserManaged(pod.Annotations))
            {
                if (matches)
                {
                    handManaged.Add(pod.Name);
                }

                continue;
            }

            if (!pod.IsActive)
            {
                continue;
            }

            pod.Annotations.TryGetValue(FlamewatchAnnotations.ManagedBy, out var managedBy);
            var ownedByUs = managedBy == name;
            if (matches && claimsPods)
            {
                var winner = rivals
                    .Where(r => r.Spec.Selector!.Matches(pod.Labels) && (claims.TryGetValue(r, out var known) ? known : claims[r] = ClaimsPods(r)))
                    .Prepend(profile)
                    .MinBy(p => p, AgeComparer.Instance)!;
                if (!ReferenceEquals(winner, profile))
                {
                    conflicts.Add((pod.Name, winner.Metadata.Name!));
                    continue;
                }

                profiled++;
                if (pod.StartsDutyCycled(settings.Settings.SamplingFrequency))
                {
                    dutyCycled++;
                }

                var diff = desired
                    .Where(pair => !pod.Annotations.TryGetValue(pair.Key, out var current) || current != pair.Value)
                    .ToDictionary(pair => pair.Key, string? (pair) => pair.Value, StringComparer.Ordinal);
                if (diff.Count > 0)
                {
                    var kind = ownedByUs ? PodPatchKind.Update : managedBy is null ? PodPatchKind.Select : PodPatchKind.TakeOver;
                    patches.Add(new PodPatch(pod.Name, pod.ResourceVersion, kind, diff));
                }
            }
            else if (ownedByUs)
            {
                patches.Add(Release(pod));
            }
        }

        var finalizer = deleting ? FinalizerAction.Remove : hasFinalizer ? FinalizerAction.None : FinalizerAction.Add;
        var events = PatchEvents(patches);
        V1Alpha1ContinuousProfileStatus? status = null;
        if (!deleting)
        {
            var desiredStatus = DesiredStatus(profile, settings, suspended, matched, profiled, dutyCycled, handManaged, conflicts, now);
            if (!StatusEquals(profile.Status, desiredStatus))
            {
                status = desiredStatus;
            }

            events.AddRange(TransitionEvents(profile.Status, desiredStatus));
        }

        return new AnnotationPlan(finalizer, patches, status, events);
    }

    /// <summary>
    /// The profile <paramref name="profileName"/> no longer exists (its finalizer was removed by force, or it was
    /// deleted before the operator ever saw it): release the pods that still carry its annotations.
    /// </summary>
    public static AnnotationPlan ReleaseOrphans(string @namespace, string profileName, IReadOnlyList<PodSnapshot> pods)
    {
        var patches = pods
            .Where(pod => pod.Namespace == @namespace && pod.IsActive
                && pod.Annotations.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) && owner == profileName)
            .OrderBy(pod => pod.Name, StringComparer.Ordinal)
            .Select(Release)
            .ToList();
        return patches.Count == 0 ? AnnotationPlan.Nothing : new AnnotationPlan(FinalizerAction.None, patches, null, []);
    }

    /// <summary>Removes exactly the keys the operator writes (those present), nothing else.</summary>
    private static PodPatch Release(PodSnapshot pod) => new(
        pod.Name,
        pod.ResourceVersion,
        PodPatchKind.Release,
        FlamewatchAnnotations.OperatorKeys.Where(pod.Annotations.ContainsKey).ToDictionary(key => key, string? (_) => null, StringComparer.Ordinal));

    /// <summary>Whether a profile currently claims the pods its selector matches (for conflict resolution).</summary>
    private static bool ClaimsPods(V1Alpha1ContinuousProfile profile) =>
        profile.Metadata.DeletionTimestamp is null
        && profile.Spec.Suspend != true
        && profile.Metadata.Name is not null
        && EffectiveSettings.FromSpec(profile.Spec, profile.Metadata.Name).IsValid;

    private static V1Alpha1ContinuousProfileStatus DesiredStatus(
        V1Alpha1ContinuousProfile profile,
        SettingsResult settings,
        bool suspended,
        int matched,
        int profiled,
        int dutyCycled,
        List<string> handManaged,
        List<(string Pod, string Winner)> conflicts,
        DateTimeOffset now)
    {
        var generation = profile.Metadata.Generation;
        V1Alpha1Condition ready;
        if (!settings.IsValid)
        {
            ready = Condition(V1Alpha1ContinuousProfileStatus.ReadyCondition, false, "InvalidSpec", string.Join("; ", settings.Errors));
        }
        else if (suspended)
        {
            ready = Condition(V1Alpha1ContinuousProfileStatus.ReadyCondition, false, "Suspended", $"Profiling is suspended; {Pods(matched)} match the selector");
        }
        else
        {
            var message = $"Profiling {profiled} of {Pods(matched)} matching the selector";
            if (handManaged.Count > 0)
            {
                message += $"; left untouched (annotated by hand): {NameList(handManaged)}";
            }

            if (conflicts.Count > 0)
            {
                message += $"; {conflicts.Count} profiled by an older ContinuousProfile";
            }

            if (dutyCycled > 0)
            {
                message += string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"; {Pods(dutyCycled)} started without {SamplingRateVariable.Name} for {settings.Settings.SamplingFrequency} Hz and {(dutyCycled == 1 ? "is" : "are")} sampled duty-cycled: restart {(dutyCycled == 1 ? "it" : "them")} to get continuous sampling");
            }

            ready = Condition(V1Alpha1ContinuousProfileStatus.ReadyCondition, true, matched == 0 ? "NoMatchingPods" : "PodsAnnotated", message);
        }

        var conflict = conflicts.Count == 0
            ? Condition(V1Alpha1ContinuousProfileStatus.ConflictCondition, false, "NoConflict", "No matched pod is claimed by an older ContinuousProfile")
            : Condition(
                V1Alpha1ContinuousProfileStatus.ConflictCondition,
                true,
                "SelectedByOlderProfile",
                string.Join("; ", conflicts.GroupBy(c => c.Winner, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => $"{NameList(g.Select(c => c.Pod).ToList())} {(g.Count() == 1 ? "is" : "are")} profiled by the older ContinuousProfile {g.Key}")));

        return new V1Alpha1ContinuousProfileStatus
        {
            ObservedGeneration = generation,
            MatchedPods = matched,
            DutyCycledPods = suspended || !settings.IsValid ? 0 : dutyCycled,
            Conditions = [KeepTransitionTime(ready), KeepTransitionTime(conflict)],
        };

        V1Alpha1Condition Condition(string type, bool value, string reason, string message) => new()
        {
            Type = type,
            Status = value ? V1Alpha1Condition.True : V1Alpha1Condition.False,
            ObservedGeneration = generation,
            LastTransitionTime = KubernetesTimeConverter.Truncate(now),
            Reason = reason,
            Message = message,
        };

        V1Alpha1Condition KeepTransitionTime(V1Alpha1Condition condition) =>
            profile.Status?.FindCondition(condition.Type) is { } previous && previous.Status == condition.Status
                ? condition with { LastTransitionTime = previous.LastTransitionTime }
                : condition;
    }

    private static List<PlannedEvent> PatchEvents(List<PodPatch> patches)
    {
        var events = new List<PlannedEvent>();
        Add(PodPatchKind.Select, "PodsSelected", "Started profiling {0}");
        Add(PodPatchKind.TakeOver, "PodsTakenOver", "Took over {0} from another ContinuousProfile");
        Add(PodPatchKind.Update, "PodsUpdated", "Updated the profiling settings of {0}");
        Add(PodPatchKind.Release, "PodsReleased", "Stopped profiling {0}");
        return events;

        void Add(PodPatchKind kind, string reason, string format)
        {
            var names = patches.Where(p => p.Kind == kind).Select(p => p.Name).ToList();
            if (names.Count > 0)
            {
                var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Pods(names.Count));
                events.Add(new PlannedEvent(PlannedEvent.Normal, reason, $"{message}: {NameList(names)}"));
            }
        }
    }

    /// <summary>Warnings only when a condition turns bad or its message changes, so a steady state records nothing.</summary>
    private static IEnumerable<PlannedEvent> TransitionEvents(V1Alpha1ContinuousProfileStatus? previous, V1Alpha1ContinuousProfileStatus desired)
    {
        var conflict = desired.FindCondition(V1Alpha1ContinuousProfileStatus.ConflictCondition)!;
        var previousConflict = previous?.FindCondition(V1Alpha1ContinuousProfileStatus.ConflictCondition);
        if (conflict.Status == V1Alpha1Condition.True && (previousConflict?.Status != V1Alpha1Condition.True || previousConflict.Message != conflict.Message))
        {
            yield return new PlannedEvent(PlannedEvent.Warning, "ConflictDetected", conflict.Message);
        }

        var ready = desired.FindCondition(V1Alpha1ContinuousProfileStatus.ReadyCondition)!;
        var previousReady = previous?.FindCondition(V1Alpha1ContinuousProfileStatus.ReadyCondition);
        if (ready.Reason == "InvalidSpec" && (previousReady?.Reason != "InvalidSpec" || previousReady.Message != ready.Message))
        {
            yield return new PlannedEvent(PlannedEvent.Warning, "InvalidSpec", ready.Message);
        }
    }

    internal static bool StatusEquals(V1Alpha1ContinuousProfileStatus? current, V1Alpha1ContinuousProfileStatus desired) =>
        current is not null
        && current.ObservedGeneration == desired.ObservedGeneration
        && current.MatchedPods == desired.MatchedPods
        && (current.DutyCycledPods ?? 0) == (desired.DutyCycledPods ?? 0)
        && (current.Conditions ?? []).SequenceEqual(desired.Conditions ?? []);

    internal static string Pods(int count) => count == 1 ? "1 pod" : $"{count} pods";

    internal static string NameList(IReadOnlyList<string> names) =>
        names.Count <= MaxNamesListed
            ? string.Join(", ", names)
            : $"{string.Join(", ", names.Take(MaxNamesListed))} and {names.Count - MaxNamesListed} more";
}

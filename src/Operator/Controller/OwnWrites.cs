using Flamewatch.Contracts.Api.V1Alpha1;
using k8s;
using k8s.Models;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// Recognises the watch notifications that merely echo the operator's own metadata patches (pod annotations, a
/// profile's finalizer), so that they do not enqueue a reconcile: every such patch carries a resourceVersion
/// precondition, so the echoed object is exactly the state the reconcile that sent it planned for, and
/// reconciling again would only plan nothing while queueing behind other work.
/// A patch is expected before it is sent (<see cref="ExpectPodPatch"/>, <see cref="ExpectFinalizersPatch"/>): its
/// echo is the notification that moves the object from the resourceVersion the patch was planned from (its
/// precondition) to an object that differs only by what was patched, as far as the planner reads it. Expecting
/// before sending, rather than remembering the version the response returns, also catches echoes that outrun
/// the response.
/// Any other notification for the object (a later change, a delete, a relist) is not an echo and forgets the
/// entry, so at most one entry per live object is kept. This is a predicate on notifications; reconciles still
/// never ask what caused them.
/// </summary>
internal sealed class OwnWrites
{
    /// <summary>A safety cap: echoes that never arrive (e.g. coalesced by a relist) are forgotten wholesale beyond it.</summary>
    internal const int MaxRemembered = 65_536;

    private static readonly Dictionary<string, string> EmptyEntries = [];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Expectation> _expected = new(StringComparer.Ordinal);

    /// <summary>Expects the echo of a pod annotation patch planned from <paramref name="baseVersion"/>; call before sending it.</summary>
    public void ExpectPodPatch(string @namespace, string name, string? baseVersion, IReadOnlyDictionary<string, string?> annotations)
    {
        if (baseVersion is not null)
        {
            Set(Key<V1Pod>(@namespace, name), new Expectation(baseVersion, annotations, null));
        }
    }

    /// <summary>Expects the echo of a finalizer patch of a profile planned from <paramref name="baseVersion"/>; call before sending it.</summary>
    public void ExpectFinalizersPatch(string @namespace, string name, string? baseVersion, IReadOnlyList<string> finalizers)
    {
        if (baseVersion is not null)
        {
            Set(Key<V1Alpha1ContinuousProfile>(@namespace, name), new Expectation(baseVersion, null, finalizers));
        }
    }

    /// <summary>Whether a notification (<paramref name="previous"/> → <paramref name="current"/>) is the echo of an own patch. Consumes the entry either way.</summary>
    public bool IsEcho<T>(T? previous, T? current)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if ((current ?? previous)?.Metadata is not { Name: { } name } metadata)
        {
            return false;
        }

        Expectation? expected;
        lock (_lock)
        {
            if (!_expected.Remove(Key<T>(metadata.NamespaceProperty, name), out expected))
            {
                return false;
            }
        }

        if (previous is null || current is null)
        {
            return false;
        }

        if (previous.Metadata.ResourceVersion != expected.BaseVersion)
        {
            return false;
        }

        return (previous, current) switch
        {
            (V1Pod before, V1Pod after) when expected.Annotations is not null => OnlyAnnotationsPatched(before, after, expected.Annotations),
            (V1Alpha1ContinuousProfile before, V1Alpha1ContinuousProfile after) when expected.Finalizers is not null =>
                before.Metadata.Generation == after.Metadata.Generation
                && (before.Metadata.DeletionTimestamp is null) == (after.Metadata.DeletionTimestamp is null)
                && (after.Metadata.Finalizers ?? []).SequenceEqual(expected.Finalizers),
            _ => false,
        };
    }

    /// <summary>Whether <paramref name="after"/> is <paramref name="before"/> with exactly the patched annotations (null: removed) and nothing else the planner reads changed.</summary>
    private static bool OnlyAnnotationsPatched(V1Pod before, V1Pod after, IReadOnlyDictionary<string, string?> patch)
    {
        if (!SameEntries(before.Metadata.Labels, after.Metadata.Labels)
            || before.Status?.Phase != after.Status?.Phase
            || (before.Metadata.DeletionTimestamp is null) != (after.Metadata.DeletionTimestamp is null))
        {
            return false;
        }

        var expected = new Dictionary<string, string>(before.Metadata.Annotations ?? EmptyEntries, StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                expected.Remove(key);
            }
            else
            {
                expected[key] = value;
            }
        }

        return SameEntries(expected, after.Metadata.Annotations);
    }

    private static bool SameEntries(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        a ??= EmptyEntries;
        b ??= EmptyEntries;
        return a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);
    }

    private void Set(string key, Expectation expectation)
    {
        lock (_lock)
        {
            if (_expected.Count >= MaxRemembered && !_expected.ContainsKey(key))
            {
                _expected.Clear();
            }

            _expected[key] = expectation;
        }
    }

    private static string Key<T>(string? @namespace, string name) => $"{typeof(T).Name}/{@namespace}/{name}";

    private sealed record Expectation(string BaseVersion, IReadOnlyDictionary<string, string?>? Annotations, IReadOnlyList<string>? Finalizers);
}

namespace Flamewatch.Contracts;

/// <summary>What a pod's flamewatch.io annotations ask for.</summary>
/// <param name="Enabled">The pod carries <c>flamewatch.io/enabled: "true"</c>.</param>
/// <param name="ManagedBy">The ContinuousProfile that wrote the annotations; null for a hand-written opt-in.</param>
/// <param name="Settings">The settings to profile with; each unusable value was replaced by its default.</param>
/// <param name="Errors">One entry per annotation whose value was rejected, keyed by the annotation.</param>
public sealed record PodProfilingRequest(bool Enabled, string? ManagedBy, ProfilingSettings Settings, IReadOnlyList<SettingsError> Errors);

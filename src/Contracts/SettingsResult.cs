namespace Flamewatch.Contracts;

/// <summary>Settings with every rejected value replaced by its default, and what was rejected.</summary>
public sealed record SettingsResult(ProfilingSettings Settings, IReadOnlyList<SettingsError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

namespace Flamewatch.Contracts;

/// <summary>
/// One rejected setting: <paramref name="Source"/> is the field (<c>spec.period</c>) or annotation key
/// (<c>flamewatch.io/period</c>) it came from; the default (or nothing) was used instead.
/// </summary>
public sealed record SettingsError(string Source, string Message)
{
    public override string ToString() => $"{Source}: {Message}";
}

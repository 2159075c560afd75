namespace Flamewatch.Hosting;

/// <summary>
/// A command-line flag of an executable and the configuration key it sets. <paramref name="ValueType"/> is what the
/// value must parse as (<see cref="string"/>, <see cref="int"/>, <see cref="long"/>, <see cref="bool"/> or a duration as
/// <see cref="TimeSpan"/>), so that a bad value is reported against the flag before anything starts.
/// </summary>
public sealed record HostFlag(string Name, string Key, string Description, Type ValueType);

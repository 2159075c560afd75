using System.Globalization;

namespace Flamewatch.Settings;

/// <summary>
/// <c>DOTNET_EventPipeThreadSamplingRate</c>, the runtime setting (read once, at process start) that sets the sampler's
/// interval in whole milliseconds written in hexadecimal, like every CLR DWORD setting (<c>A</c> = 10 ms). Without it
/// the runtime sleeps 1 ms between rounds; a round itself takes ~0.15–0.4 ms, so the default gives 700–840 rounds/s
/// per thread. The operator's webhook writes it; the operator's status and the collector decide from it, with the one
/// rule here, whether a process is sampled continuously or duty-cycled.
/// </summary>
public static class SamplingRateVariable
{
    public const string Name = "DOTNET_EventPipeThreadSamplingRate";

    /// <summary>The legacy spelling the runtime reads too.</summary>
    public const string LegacyName = "COMPlus_EventPipeThreadSamplingRate";

    /// <summary>The runtime's interval without the setting: 1 ms sleep plus the round itself (measured on .NET 10).</summary>
    public const double DefaultIntervalMs = 1.2;

    /// <summary>The value for a frequency: 100 Hz → 10 ms → <c>A</c>; 50 Hz → 20 ms → <c>14</c>. At least 1 ms.</summary>
    public static string Format(int frequencyHz)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencyHz, 1);
        var milliseconds = Math.Max(1, (int)Math.Round(1000.0 / frequencyHz, MidpointRounding.AwayFromZero));
        return milliseconds.ToString("X", CultureInfo.InvariantCulture);
    }

    /// <summary>The value a process's environment sets (<see cref="Name"/>, else <see cref="LegacyName"/>); null when neither is set.</summary>
    public static string? ValueIn(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.TryGetValue(Name, out var value) || environment.TryGetValue(LegacyName, out value) ? value : null;
    }

    /// <summary>The interval a value sets, in ms; null when unset or unreadable (the runtime then uses its default).</summary>
    public static int? ParseMilliseconds(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }

        return uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var ms) && ms is > 0 and < 100_000 ? (int)ms : null;
    }

    /// <summary>
    /// The sampler's expected round interval (ms) for a process started with <paramref name="value"/> (null: unset):
    /// the configured sleep plus the round's own cost, or the measured default.
    /// </summary>
    public static double ExpectedIntervalMs(string? value) =>
        ParseMilliseconds(value) is { } ms && ms > 1 ? ms + 0.3 : DefaultIntervalMs;

    /// <summary>
    /// Whether a sampler with rounds every <paramref name="expectedIntervalMs"/> samples <paramref name="frequencyHz"/>
    /// continuously: its rate is at most 1.25 × the frequency (a slower sampler cannot be sped up, so it is used as is).
    /// </summary>
    public static bool IsContinuous(double expectedIntervalMs, int frequencyHz) => 1000.0 / expectedIntervalMs <= frequencyHz * 1.25;

    /// <summary>Whether a process started with <paramref name="value"/> (null: unset) is sampled continuously at <paramref name="frequencyHz"/>.</summary>
    public static bool IsContinuous(string? value, int frequencyHz) => IsContinuous(ExpectedIntervalMs(value), frequencyHz);
}

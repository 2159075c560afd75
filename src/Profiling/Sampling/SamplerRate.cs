using System.Globalization;

namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// The target runtime's sampler interval. The runtime sleeps 1 ms between rounds unless the process started with
/// <c>DOTNET_EventPipeThreadSamplingRate</c> (milliseconds, parsed as HEX like every CLR DWORD setting: <c>A</c> = 10 ms);
/// a round itself takes ~0.15–0.4 ms, so the default gives 700–840 rounds/s per thread.
/// </summary>
internal static class SamplerRate
{
    public const string EnvironmentVariable = "DOTNET_EventPipeThreadSamplingRate";

    /// <summary>Measured default round interval on .NET 10 (1 ms sleep plus the round).</summary>
    public const double DefaultIntervalMs = 1.2;

    /// <summary>The configured interval in ms, or null when unset (the 1 ms default applies).</summary>
    public static int? ConfiguredIntervalMs(IReadOnlyDictionary<string, string> environment)
    {
        if (!environment.TryGetValue(EnvironmentVariable, out var raw) && !environment.TryGetValue("COMPlus_EventPipeThreadSamplingRate", out raw))
        {
            return null;
        }
        var text = raw.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }
        return uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) && value > 0 && value < 100_000
            ? (int)value
            : null;
    }

    /// <summary>Expected round interval (ms): the configured sleep plus the round's own cost, or the measured default.</summary>
    public static double ExpectedIntervalMs(IReadOnlyDictionary<string, string> environment) =>
        ConfiguredIntervalMs(environment) is { } ms && ms > 1 ? ms + 0.3 : DefaultIntervalMs;

    /// <summary>
    /// Whether sampling continuously at the target's rate meets the configured frequency: true when the target's rate
    /// is at most 1.25 × the frequency (a slower sampler cannot be sped up, so it is used as is).
    /// </summary>
    public static bool IsContinuous(double expectedIntervalMs, int frequencyHz) => 1000.0 / expectedIntervalMs <= frequencyHz * 1.25;
}

using System.Globalization;

namespace Flamewatch.Contracts;

/// <summary>
/// <c>DOTNET_EventPipeThreadSamplingRate</c>, the runtime setting (read once, at process start) that sets the sampler's
/// interval in whole milliseconds written in hexadecimal. The operator's webhook writes it; the operator's status
/// predicts from it, with the collector's rule, whether a pod's processes will be sampled continuously or duty-cycled.
/// </summary>
public static class SamplingRateVariable
{
    public const string Name = "DOTNET_EventPipeThreadSamplingRate";

    /// <summary>The legacy spelling the runtime reads too.</summary>
    public const string LegacyName = "COMPlus_EventPipeThreadSamplingRate";

    /// <summary>The runtime's interval without the setting: 1 ms sleep plus the round itself (measured on .NET 10).</summary>
    private const double DefaultIntervalMs = 1.2;

    /// <summary>The value for a frequency: 100 Hz → 10 ms → <c>A</c>; 50 Hz → 20 ms → <c>14</c>. At least 1 ms.</summary>
    public static string Format(int frequencyHz)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencyHz, 1);
        var milliseconds = Math.Max(1, (int)Math.Round(1000.0 / frequencyHz, MidpointRounding.AwayFromZero));
        return milliseconds.ToString("X", CultureInfo.InvariantCulture);
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
    /// Whether a process started with <paramref name="value"/> (null: unset) is sampled continuously at
    /// <paramref name="frequencyHz"/>: its sampler runs at most 1.25 × the frequency (the collector's rule).
    /// </summary>
    public static bool IsContinuous(string? value, int frequencyHz)
    {
        var intervalMs = ParseMilliseconds(value) is { } ms && ms > 1 ? ms + 0.3 : DefaultIntervalMs;
        return 1000.0 / intervalMs <= frequencyHz * 1.25;
    }
}

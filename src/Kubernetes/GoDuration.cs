using System.Globalization;

namespace Flamewatch.Kubernetes;

/// <summary>
/// Go <c>time.ParseDuration</c> syntax ("45s", "1m30s", "1.5h", "250ms", "-10s"), the form Kubernetes APIs and CEL's
/// <c>duration()</c> use; .NET's TimeSpan parsing accepts neither. Parsing is <see cref="Contracts.GoDuration"/>'s scanner,
/// which also reads the CRD's stricter subset; formatting here is Go's own (<c>1h0m0s</c>).
/// </summary>
public static class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan value) => Contracts.GoDuration.TryParseGoSyntax(text, out value);

    /// <exception cref="FormatException">Not a Go duration.</exception>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"invalid duration \"{text}\" (expected e.g. 45s, 2m, 1m30s)");

    /// <summary>Formats the way Go prints durations (e.g. "1m30s", "45s", "250ms").</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sign = value < TimeSpan.Zero ? "-" : "";
        value = value.Duration();
        if (value < TimeSpan.FromSeconds(1))
        {
            return sign + (value.Ticks % TimeSpan.TicksPerMillisecond == 0 ? $"{value.Ticks / TimeSpan.TicksPerMillisecond}ms" : $"{value.Ticks / 10}us");
        }

        var text = "";
        if (value.TotalHours >= 1)
        {
            text += $"{(long)value.TotalHours}h";
        }

        if (value.TotalMinutes >= 1)
        {
            text += $"{value.Minutes}m";
        }

        var seconds = value.Seconds + ((double)(value.Ticks % TimeSpan.TicksPerSecond) / TimeSpan.TicksPerSecond);
        return sign + text + seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
    }
}

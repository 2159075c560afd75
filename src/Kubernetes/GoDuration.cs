using System.Globalization;

namespace Flamewatch.Kubernetes;

/// <summary>
/// Go <c>time.ParseDuration</c> syntax ("45s", "1m30s", "1.5h", "250ms"), the form Kubernetes APIs and CEL's
/// <c>duration()</c> use; .NET's TimeSpan parsing accepts neither.
/// </summary>
public static class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var s = text.AsSpan();
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        decimal totalNs = 0;
        while (!s.IsEmpty)
        {
            var i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == 0 || !decimal.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            s = s[i..];
            var j = 0;
            while (j < s.Length && !char.IsAsciiDigit(s[j]) && s[j] != '.')
            {
                j++;
            }

            decimal unit = s[..j] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => -1m,
            };
            if (unit < 0)
            {
                return false;
            }

            totalNs += number * unit;
            s = s[j..];
        }

        var ticks = totalNs / 100m;
        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        if (negative)
        {
            value = -value;
        }

        return true;
    }

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

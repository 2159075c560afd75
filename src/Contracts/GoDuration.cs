using System.Globalization;
using System.Text;

namespace Flamewatch.Contracts;

/// <summary>
/// Durations as the CRD writes them: a sequence of decimal numbers with units <c>h</c>, <c>m</c>, <c>s</c>,
/// <c>ms</c> (<c>45s</c>, <c>2m</c>, <c>1m30s</c>, <c>1.5s</c>), the subset of Go's <c>time.ParseDuration</c>
/// that the CRD pattern <c>^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$</c> admits. Kubernetes CEL's <c>duration()</c>
/// reads the same strings, so the operator and the API server agree on every value.
/// </summary>
public static class GoDuration
{
    /// <summary>Longest accepted input, as the CRD's maxLength.</summary>
    public const int MaxLength = 32;

    private static readonly TimeSpan Max = TimeSpan.FromDays(365);

    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            error = "a duration is required, such as 45s, 2m or 1m30s";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"\"{Truncate(text)}\" is longer than {MaxLength} characters";
            return false;
        }

        decimal totalMilliseconds = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start)
            {
                error = $"\"{text}\" is not a duration: expected a number at position {start + 1} (examples: 45s, 2m, 1m30s)";
                return false;
            }

            if (i < text.Length && text[i] == '.')
            {
                i++;
                var fractionStart = i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                if (i == fractionStart)
                {
                    error = $"\"{text}\" is not a duration: expected digits after the decimal point";
                    return false;
                }
            }

            if (!decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"\"{text}\" is not a duration: the number is too large";
                return false;
            }

            decimal unitMilliseconds;
            if (i + 1 < text.Length && text[i] == 'm' && text[i + 1] == 's')
            {
                unitMilliseconds = 1;
                i += 2;
            }
            else if (i < text.Length && text[i] is 'h' or 'm' or 's')
            {
                unitMilliseconds = text[i] switch { 'h' => 3_600_000, 'm' => 60_000, _ => 1_000 };
                i++;
            }
            else
            {
                error = $"\"{text}\" is not a duration: expected a unit (h, m, s or ms) at position {i + 1}";
                return false;
            }

            totalMilliseconds += number * unitMilliseconds;
            if (totalMilliseconds > (decimal)Max.TotalMilliseconds)
            {
                error = $"\"{text}\" is longer than {Max.TotalDays} days";
                return false;
            }
        }

        duration = TimeSpan.FromTicks((long)decimal.Round(totalMilliseconds * TimeSpan.TicksPerMillisecond));
        error = string.Empty;
        return true;
    }

    /// <summary>Compact canonical form: <c>45s</c>, <c>2m</c>, <c>1m30s</c>, <c>1h</c>, <c>1500ms</c> for 1.5 s.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "durations are never negative");
        }

        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        var hours = (long)duration.TotalHours;
        if (hours > 0)
        {
            builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (duration.Minutes > 0)
        {
            builder.Append(duration.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        var milliseconds = (duration.Seconds * 1000m) + (duration.Ticks % TimeSpan.TicksPerSecond / (decimal)TimeSpan.TicksPerMillisecond);
        if (milliseconds > 0)
        {
            if (milliseconds % 1000 == 0)
            {
                builder.Append((milliseconds / 1000).ToString("0", CultureInfo.InvariantCulture)).Append('s');
            }
            else
            {
                builder.Append(milliseconds.ToString("0.###", CultureInfo.InvariantCulture)).Append("ms");
            }
        }

        return builder.ToString();
    }

    internal static string Truncate(string text, int max = 40) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}

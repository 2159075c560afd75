using System.Globalization;
using System.Text;

namespace Flamewatch.Settings;

/// <summary>
/// The one duration syntax of Flamewatch, Go's <c>time.ParseDuration</c>. <see cref="TryParse(string?, out TimeSpan, out string)"/>
/// reads the CRD's form: a sequence of decimal numbers with units <c>h</c>, <c>m</c>, <c>s</c>, <c>ms</c> (<c>45s</c>,
/// <c>2m</c>, <c>1m30s</c>, <c>1.5s</c>, <c>168h</c>), the subset that the CRD pattern
/// <c>^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$</c> admits; Kubernetes CEL's <c>duration()</c> reads the same strings, so the
/// operator and the API server agree on every value. <see cref="TryParseGoSyntax"/> reads the whole of Go's syntax with
/// the same scanner, <see cref="TryParseOption"/> what a command-line flag or configuration key takes, and
/// <see cref="Format"/> writes the CRD's form so that every value round-trips.
/// </summary>
public static class GoDuration
{
    /// <summary>Longest accepted input, as the CRD's maxLength.</summary>
    public const int MaxLength = 32;

    private const decimal NanosecondsPerMillisecond = 1_000_000m;

    private static readonly TimeSpan Max = TimeSpan.FromDays(365);

    /// <summary>Reads a duration of the CRD's form; <paramref name="error"/> says what is wrong with any other text.</summary>
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

        if (!TryScan(text, goSyntax: false, NanosecondsPerMillisecond, (decimal)Max.TotalMilliseconds, out var totalMilliseconds, out error))
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)decimal.Round(totalMilliseconds * TimeSpan.TicksPerMillisecond));
        return true;
    }

    /// <summary>
    /// Reads the whole of Go's <c>time.ParseDuration</c> syntax, as Kubernetes CEL's <c>duration()</c> does: also a sign,
    /// the units <c>ns</c>, <c>us</c> (<c>µs</c>), a bare <c>0</c>, and numbers such as <c>.5</c>; sub-tick remainders are
    /// truncated toward zero. False for anything else and for durations beyond <see cref="TimeSpan.MaxValue"/>.
    /// </summary>
    public static bool TryParseGoSyntax(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var negative = text[0] == '-';
        var unsigned = text[0] is '-' or '+' ? text[1..] : text;
        if (unsigned == "0")
        {
            return true;
        }

        if (unsigned.Length == 0 || !TryScan(unsigned, goSyntax: true, 1m, TimeSpan.MaxValue.Ticks * 100m, out var totalNanoseconds, out _))
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)(totalNanoseconds / 100m));
        if (negative)
        {
            duration = -duration;
        }

        return true;
    }

    /// <summary>
    /// Reads a duration given as a command-line flag or configuration value: Go's syntax (<c>10s</c>, <c>1.5s</c>,
    /// <c>168h</c>), or, for values written before Flamewatch used one syntax, .NET's constant form
    /// <c>[d.]hh:mm:ss[.fffffff]</c> (<c>7.00:00:00</c>). <paramref name="error"/> says what is wrong with any other text.
    /// A sign is read, so that the option's validation can name the option when a duration must be positive.
    /// </summary>
    public static bool TryParseOption(string? text, out TimeSpan duration, out string error)
    {
        error = string.Empty;
        text = text?.Trim();
        if (text is { Length: > 0 } && text.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out duration))
        {
            return true;
        }

        if (TryParseGoSyntax(text, out duration))
        {
            return true;
        }

        duration = TimeSpan.Zero;
        error = string.IsNullOrEmpty(text)
            ? "a duration is required, such as 10s, 1m30s or 168h"
            : $"\"{Truncate(text)}\" is not a duration such as 10s, 1m30s or 168h";
        return false;
    }

    /// <summary>
    /// Canonical form, in the CRD's syntax: hours, minutes, then seconds with a decimal fraction (<c>45s</c>, <c>2m</c>,
    /// <c>1m30s</c>, <c>1.5s</c>, <c>168h</c>), or milliseconds below one second (<c>250ms</c>, <c>0.5ms</c>); a negative
    /// duration has a leading <c>-</c>. Every value reads back to the same <see cref="TimeSpan"/>.
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        if (duration < TimeSpan.Zero)
        {
            builder.Append('-');
            duration = duration.Duration();
        }

        var hours = duration.Ticks / TimeSpan.TicksPerHour;
        var minutes = duration.Ticks % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute;
        var rest = duration.Ticks % TimeSpan.TicksPerMinute;
        if (hours > 0)
        {
            builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (minutes > 0)
        {
            builder.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        if (rest > 0 && hours == 0 && minutes == 0 && rest < TimeSpan.TicksPerSecond)
        {
            builder.Append((rest / (decimal)TimeSpan.TicksPerMillisecond).ToString("0.####", CultureInfo.InvariantCulture)).Append("ms");
        }
        else if (rest > 0)
        {
            builder.Append((rest / (decimal)TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture)).Append('s');
        }

        return builder.ToString();
    }

    /// <summary>Parses Go's syntax.</summary>
    /// <exception cref="FormatException">Not a Go duration.</exception>
    public static TimeSpan Parse(string text) =>
        TryParseGoSyntax(text, out var value) ? value : throw new FormatException($"invalid duration \"{Truncate(text)}\" (expected e.g. 45s, 2m, 1m30s)");

    /// <summary>The first <paramref name="max"/> characters of <paramref name="text"/>, for quoting user input in a message.</summary>
    public static string Truncate(string text, int max = 40) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    /// <summary>
    /// Sums the number-unit pairs of an unsigned duration, in units of <paramref name="nanosecondsPerUnit"/>, up to
    /// <paramref name="limit"/>. The CRD's form wants digits on both sides of a decimal point and only h, m, s, ms;
    /// Go's syntax (<paramref name="goSyntax"/>) also takes <c>.5</c>, <c>5.</c> and ns, us, µs.
    /// </summary>
    private static bool TryScan(string text, bool goSyntax, decimal nanosecondsPerUnit, decimal limit, out decimal total, out string error)
    {
        total = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var digits = SkipDigits(text, ref i);
            if (digits == 0 && !(goSyntax && i < text.Length && text[i] == '.'))
            {
                error = $"\"{text}\" is not a duration: expected a number at position {start + 1} (examples: 45s, 2m, 1m30s)";
                return false;
            }

            if (i < text.Length && text[i] == '.')
            {
                i++;
                var fraction = SkipDigits(text, ref i);
                if (fraction == 0 && !(goSyntax && digits > 0))
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

            var unitNanoseconds = Unit(text.AsSpan(i), goSyntax, out var unitLength);
            if (unitNanoseconds == 0)
            {
                error = $"\"{text}\" is not a duration: expected a unit (h, m, s or ms) at position {i + 1}";
                return false;
            }

            i += unitLength;
            var unit = unitNanoseconds / nanosecondsPerUnit;
            if (number > (limit - total) / unit)
            {
                error = $"\"{text}\" is longer than {Max.TotalDays} days";
                return false;
            }

            total += number * unit;
        }

        error = string.Empty;
        return true;
    }

    private static int SkipDigits(string text, ref int i)
    {
        var start = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i - start;
    }

    /// <summary>The unit at the start of <paramref name="text"/> in nanoseconds (two-letter units first), or 0.</summary>
    private static decimal Unit(ReadOnlySpan<char> text, bool goSyntax, out int length)
    {
        length = 2;
        if (text.StartsWith("ms", StringComparison.Ordinal))
        {
            return 1_000_000m;
        }

        if (goSyntax && text.Length >= 2 && text[1] == 's')
        {
            switch (text[0])
            {
                case 'n':
                    return 1m;
                case 'u' or 'µ' or 'μ':
                    return 1_000m;
            }
        }

        length = 1;
        return text.IsEmpty ? 0 : text[0] switch
        {
            'h' => 3_600_000_000_000m,
            'm' => 60_000_000_000m,
            's' => 1_000_000_000m,
            _ => 0,
        };
    }
}

using System.Globalization;

namespace Flamewatch.NodeCollector.Local;

/// <summary>Parses durations such as <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or <c>1m30s</c>.</summary>
internal static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var span = text.Trim().AsSpan();
        var total = 0.0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }
            var units = digits;
            while (units < span.Length && char.IsAsciiLetter(span[units]))
            {
                units++;
            }
            if (digits == 0 || units == digits
                || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }
            double? factor = span[digits..units] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => null,
            };
            if (factor is null)
            {
                return false;
            }
            total += value * factor.Value;
            span = span[units..];
        }
        duration = TimeSpan.FromSeconds(total);
        return true;
    }
}

using System.Globalization;

namespace Flamewatch.Profiling.Attach;

/// <summary>
/// The target's runtime as it reports itself over the diagnostic socket (<c>ClrProductVersionString</c>, e.g.
/// <c>8.0.22+a1b2c3</c>). Which events exist depends on it: <c>AllocationSampled</c> from .NET 10, the stackless
/// rundown command from .NET 9; before .NET 8 the collector does not profile at all.
/// </summary>
public sealed record RuntimeVersion(int Major, int Minor, string Text)
{
    /// <summary>The oldest major version profiled.</summary>
    public const int OldestSupported = 8;

    public bool IsSupported => Major >= OldestSupported;

    /// <summary>Randomized allocation sampling (<c>AllocationSampled</c>, keyword 0x80000000000) exists.</summary>
    public bool HasAllocationSampling => Major >= 10;

    /// <summary>EventPipe sessions without stack walks (CollectTracing3) are understood.</summary>
    public bool HasStacklessSessions => Major >= 9;

    /// <summary>Parses <c>major.minor[.patch][-pre][+commit]</c>; null when it is not a version.</summary>
    public static RuntimeVersion? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var trimmed = text.Trim();
        var end = trimmed.IndexOfAny(['+', '-', ' ']);
        var core = end < 0 ? trimmed : trimmed[..end];
        var parts = core.Split('.');
        if (parts.Length < 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return null;
        }
        return new RuntimeVersion(major, minor, trimmed);
    }

    /// <summary>The version of the runtime this code runs on.</summary>
    public static RuntimeVersion Current { get; } = new(Environment.Version.Major, Environment.Version.Minor, Environment.Version.ToString());

    public override string ToString() => Text;
}

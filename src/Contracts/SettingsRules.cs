using System.Globalization;

namespace Flamewatch.Contracts;

/// <summary>The CRD's rules for each setting, shared by spec defaulting and annotation parsing.</summary>
internal static class SettingsRules
{
    public static string? ApplicationName(string value) =>
        value.Length is 0 or > ProfilingSettings.MaxApplicationNameLength
            ? $"must be 1 to {ProfilingSettings.MaxApplicationNameLength} characters long (got {value.Length})"
            : null;

    public static string? Period(string? text, out TimeSpan period)
    {
        if (!GoDuration.TryParse(text, out period, out var error))
        {
            return error;
        }

        return period < ProfilingSettings.MinPeriod || period > ProfilingSettings.MaxPeriod
            ? $"{text} is outside the allowed range {GoDuration.Format(ProfilingSettings.MinPeriod)} to {GoDuration.Format(ProfilingSettings.MaxPeriod)}"
            : null;
    }

    public static string? UploadTimeout(string? text, TimeSpan period, out TimeSpan timeout)
    {
        if (!GoDuration.TryParse(text, out timeout, out var error))
        {
            return error;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return "must be greater than zero";
        }

        return timeout >= period ? $"{text} must be shorter than the period ({GoDuration.Format(period)})" : null;
    }

    /// <summary>The upload timeout used when the configured one is unusable: the default, capped at half the period.</summary>
    public static TimeSpan FallbackUploadTimeout(TimeSpan period) =>
        ProfilingSettings.DefaultUploadTimeout < period ? ProfilingSettings.DefaultUploadTimeout : period / 2;

    public static string? SamplingFrequency(int frequency) =>
        frequency is < ProfilingSettings.MinSamplingFrequency or > ProfilingSettings.MaxSamplingFrequency
            ? $"{frequency.ToString(CultureInfo.InvariantCulture)} Hz is outside the allowed range {ProfilingSettings.MinSamplingFrequency} to {ProfilingSettings.MaxSamplingFrequency}"
            : null;

    /// <summary>Parses profile-type names; unknown names are reported and skipped, duplicates collapse.</summary>
    public static string? ProfileTypes(IEnumerable<string> names, out IReadOnlyList<ProfileType> types)
    {
        var parsed = new HashSet<ProfileType>();
        var unknown = new List<string>();
        foreach (var name in names)
        {
            if (Contracts.ProfileTypes.TryParse(name, out var type))
            {
                parsed.Add(type);
            }
            else
            {
                unknown.Add(name);
            }
        }

        types = Contracts.ProfileTypes.All.Where(parsed.Contains).ToArray();
        if (unknown.Count > 0)
        {
            return $"unknown profile type(s) {string.Join(", ", unknown.Select(n => $"\"{GoDuration.Truncate(n)}\""))}; expected {Contracts.ProfileTypes.Format(Contracts.ProfileTypes.All)}";
        }

        return types.Count == 0 ? "at least one profile type is required" : null;
    }

    public static string? Labels(IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Count > ProfilingSettings.MaxLabels)
        {
            return $"{labels.Count} labels is more than the maximum of {ProfilingSettings.MaxLabels}";
        }

        foreach (var (key, value) in labels)
        {
            if (key.Length is 0 or > ProfilingSettings.MaxLabelKeyLength)
            {
                return $"label key \"{GoDuration.Truncate(key)}\" must be 1 to {ProfilingSettings.MaxLabelKeyLength} characters long";
            }

            if (value.Length > ProfilingSettings.MaxLabelValueLength)
            {
                return $"the value of label \"{key}\" is longer than {ProfilingSettings.MaxLabelValueLength} characters";
            }
        }

        return null;
    }
}

using System.Globalization;

namespace Flamewatch.Settings;

/// <summary>
/// The one set of rules for profiling settings: defaults, limits and checks of the application name, period, upload
/// timeout, sampling frequency, profile types and labels. The ContinuousProfile (CRD schema and operator), the pod
/// annotations (collector), the in-process <c>Profiler</c> and the agent's intake all check with these; the CRD's limits
/// are held equal to them by a test. Each check returns null when the value is valid, else what is wrong with it.
/// </summary>
public static class SettingsRules
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(45);
    public static readonly TimeSpan DefaultUploadTimeout = TimeSpan.FromSeconds(10);
    public const int DefaultSamplingFrequency = 100;

    public static readonly TimeSpan MinPeriod = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromMinutes(10);
    public const int MinSamplingFrequency = 1;
    public const int MaxSamplingFrequency = 1000;
    public const int MaxApplicationNameLength = 100;

    /// <summary>Custom labels a ContinuousProfile, an annotation or a <c>Profiler</c> may set.</summary>
    public const int MaxLabels = 32;

    /// <summary>
    /// Labels one uploaded profile may carry: the custom ones plus those added by the collector, the <c>Profiler</c>
    /// or a Datadog tracer (runtime, host, pod, version...). The agent refuses profiles with more.
    /// </summary>
    public const int MaxProfileLabels = 64;

    public const int MaxLabelKeyLength = 100;
    public const int MaxLabelValueLength = 500;

    /// <summary>The label that carries the application name in the Datadog intake; not a custom label.</summary>
    public const string ServiceLabel = "service";

    public static string? ApplicationName(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxApplicationNameLength)
        {
            return $"must be 1 to {MaxApplicationNameLength} characters long (got {value?.Length ?? 0})";
        }

        return value.Any(char.IsControl) || value.Trim() != value
            ? $"\"{GoDuration.Truncate(value)}\" has control characters or surrounding spaces"
            : null;
    }

    public static string? Period(TimeSpan period) =>
        period < MinPeriod || period > MaxPeriod
            ? $"{GoDuration.Format(period)} is outside the allowed range {GoDuration.Format(MinPeriod)} to {GoDuration.Format(MaxPeriod)}"
            : null;

    public static string? Period(string? text, out TimeSpan period) =>
        GoDuration.TryParse(text, out period, out var error) ? Period(period) : error;

    public static string? UploadTimeout(TimeSpan timeout, TimeSpan period)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "must be greater than zero";
        }

        return timeout >= period ? $"{GoDuration.Format(timeout)} must be shorter than the period ({GoDuration.Format(period)})" : null;
    }

    public static string? UploadTimeout(string? text, TimeSpan period, out TimeSpan timeout) =>
        GoDuration.TryParse(text, out timeout, out var error) ? UploadTimeout(timeout, period) : error;

    /// <summary>The upload timeout used when the configured one is unusable: the default, capped at half the period.</summary>
    public static TimeSpan FallbackUploadTimeout(TimeSpan period) =>
        DefaultUploadTimeout < period ? DefaultUploadTimeout : period / 2;

    public static string? SamplingFrequency(int frequency) =>
        frequency is < MinSamplingFrequency or > MaxSamplingFrequency
            ? $"{frequency.ToString(CultureInfo.InvariantCulture)} Hz is outside the allowed range {MinSamplingFrequency} to {MaxSamplingFrequency}"
            : null;

    public static string? ProfileTypes(ProfileTypes types) =>
        types == Settings.ProfileTypes.None || (types & ~Settings.ProfileTypes.All) != 0
            ? $"at least one profile type is required, and only {string.Join(", ", ProfileTypeNames.Names(Settings.ProfileTypes.All))}"
            : null;

    /// <summary>Parses profile-type wire names; unknown names are reported and skipped, duplicates collapse.</summary>
    public static string? ProfileTypes(IEnumerable<string> names, out ProfileTypes types)
    {
        types = Settings.ProfileTypes.None;
        var unknown = new List<string>();
        foreach (var name in names)
        {
            if (ProfileTypeNames.TryParse(name, out var type))
            {
                types |= type;
            }
            else
            {
                unknown.Add(name);
            }
        }

        if (unknown.Count > 0)
        {
            return $"unknown profile type(s) {string.Join(", ", unknown.Select(n => $"\"{GoDuration.Truncate(n)}\""))}; expected {ProfileTypeNames.Format(Settings.ProfileTypes.All)}";
        }

        return types == Settings.ProfileTypes.None ? "at least one profile type is required" : null;
    }

    /// <summary>A custom label key: 1–100 characters without spaces, control characters, <c>,</c> or <c>:</c> (they separate Datadog tags), not <c>service</c>.</summary>
    public static string? LabelKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxLabelKeyLength)
        {
            return $"label key \"{GoDuration.Truncate(key ?? "")}\" must be 1 to {MaxLabelKeyLength} characters long";
        }

        if (key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or ':'))
        {
            return $"label key \"{GoDuration.Truncate(key)}\" has a space, a control character, ',' or ':'";
        }

        return key == ServiceLabel ? $"\"{ServiceLabel}\" is not a label: it carries the application name" : null;
    }

    /// <summary>A label value: at most 500 characters, without control characters or <c>,</c>.</summary>
    public static string? LabelValue(string key, string? value)
    {
        if (value is null || value.Length > MaxLabelValueLength)
        {
            return $"the value of label \"{GoDuration.Truncate(key)}\" is longer than {MaxLabelValueLength} characters";
        }

        return value.Any(c => char.IsControl(c) || c == ',')
            ? $"the value of label \"{GoDuration.Truncate(key)}\" has a control character or ','"
            : null;
    }

    public static string? Labels(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var all = labels.ToList();
        if (all.Count > MaxLabels)
        {
            return $"{all.Count} labels is more than the maximum of {MaxLabels}";
        }

        foreach (var (key, value) in all)
        {
            if ((LabelKey(key) ?? LabelValue(key, value)) is { } error)
            {
                return error;
            }
        }

        return null;
    }
}

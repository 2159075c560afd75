using System.Globalization;
using System.Text.Json;
using Flamewatch.Settings;

namespace Flamewatch.Contracts;

/// <summary>
/// The effective settings of one profiled pod: a ContinuousProfile's spec with defaults applied, or what the
/// collector reads back from the pod's annotations.
/// </summary>
public sealed record ProfilingSettings
{
    public required string ApplicationName { get; init; }

    public TimeSpan Period { get; init; } = SettingsRules.DefaultPeriod;

    public TimeSpan UploadTimeout { get; init; } = SettingsRules.DefaultUploadTimeout;

    public int SamplingFrequency { get; init; } = SettingsRules.DefaultSamplingFrequency;

    public ProfileTypes ProfileTypes { get; init; } = ProfileTypes.Default;

    /// <summary>Custom labels, sorted by key (ordinal) so that their JSON form is stable.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;

    internal static IReadOnlyDictionary<string, string> EmptyLabels { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The annotations that carry these settings on a pod, in the canonical text form the collector parses back.
    /// <paramref name="managedBy"/> names the ContinuousProfile that writes them (null for a hand-written opt-in).
    /// </summary>
    public IReadOnlyDictionary<string, string> ToAnnotations(string? managedBy)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FlamewatchAnnotations.Enabled] = FlamewatchAnnotations.EnabledValue,
            [FlamewatchAnnotations.ApplicationName] = ApplicationName,
            [FlamewatchAnnotations.Period] = GoDuration.Format(Period),
            [FlamewatchAnnotations.UploadTimeout] = GoDuration.Format(UploadTimeout),
            [FlamewatchAnnotations.SamplingFrequency] = SamplingFrequency.ToString(CultureInfo.InvariantCulture),
            [FlamewatchAnnotations.ProfileTypes] = ProfileTypeNames.Format(ProfileTypes),
            [FlamewatchAnnotations.Labels] = FormatLabels(Labels),
        };
        if (managedBy is not null)
        {
            annotations[FlamewatchAnnotations.ManagedBy] = managedBy;
        }

        return annotations;
    }

    /// <summary>Compact JSON object with keys in ordinal order.</summary>
    public static string FormatLabels(IReadOnlyDictionary<string, string> labels)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in labels.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public bool Equals(ProfilingSettings? other) =>
        other is not null
        && ApplicationName == other.ApplicationName
        && Period == other.Period
        && UploadTimeout == other.UploadTimeout
        && SamplingFrequency == other.SamplingFrequency
        && ProfileTypes == other.ProfileTypes
        && Labels.Count == other.Labels.Count
        && Labels.All(pair => other.Labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    public override int GetHashCode() => HashCode.Combine(ApplicationName, Period, UploadTimeout, SamplingFrequency, ProfileTypes, Labels.Count);
}

using System.Globalization;
using System.Text.Json;
using Flamewatch.Settings;

namespace Flamewatch.Contracts;

/// <summary>
/// Reads a pod's flamewatch.io annotations back into settings. Annotations are written by users as well as by
/// the operator, so every value is checked with the CRD's rules; a bad value is reported against its key and
/// replaced by the default (labels: ignored). Never throws on any input.
/// </summary>
public static class PodAnnotationReader
{
    /// <summary>Largest labels annotation accepted, in characters: 32 labels of the longest keys and values fit, with escapes.</summary>
    public const int MaxLabelsLength = 64 * 1024;

    public static PodProfilingRequest Read(IReadOnlyDictionary<string, string>? annotations, string defaultApplicationName)
    {
        ArgumentNullException.ThrowIfNull(defaultApplicationName);
        annotations ??= new Dictionary<string, string>();
        var errors = new List<SettingsError>();

        var enabled = false;
        if (annotations.TryGetValue(FlamewatchAnnotations.Enabled, out var enabledText))
        {
            if (string.Equals(enabledText, "true", StringComparison.OrdinalIgnoreCase))
            {
                enabled = true;
            }
            else if (!string.Equals(enabledText, "false", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new(FlamewatchAnnotations.Enabled, $"\"{GoDuration.Truncate(enabledText)}\" is neither \"true\" nor \"false\"; the pod is not profiled"));
            }
        }

        var managedBy = annotations.TryGetValue(FlamewatchAnnotations.ManagedBy, out var owner) && owner.Length > 0 ? owner : null;

        // Each value the annotations set and the rules accept replaces the default of ProfilingSettings.
        var settings = new ProfilingSettings { ApplicationName = defaultApplicationName };
        if (annotations.TryGetValue(FlamewatchAnnotations.ApplicationName, out var nameText))
        {
            if (SettingsRules.ApplicationName(nameText) is { } error)
            {
                errors.Add(new(FlamewatchAnnotations.ApplicationName, $"{error}; using \"{defaultApplicationName}\""));
            }
            else
            {
                settings = settings with { ApplicationName = nameText };
            }
        }

        if (annotations.TryGetValue(FlamewatchAnnotations.Period, out var periodText))
        {
            if (SettingsRules.Period(periodText, out var parsed) is { } error)
            {
                errors.Add(new(FlamewatchAnnotations.Period, $"{error}; using {GoDuration.Format(settings.Period)}"));
            }
            else
            {
                settings = settings with { Period = parsed };
            }
        }

        settings = settings with { UploadTimeout = SettingsRules.FallbackUploadTimeout(settings.Period) };
        if (annotations.TryGetValue(FlamewatchAnnotations.UploadTimeout, out var timeoutText))
        {
            if (SettingsRules.UploadTimeout(timeoutText, settings.Period, out var parsed) is { } error)
            {
                errors.Add(new(FlamewatchAnnotations.UploadTimeout, $"{error}; using {GoDuration.Format(settings.UploadTimeout)}"));
            }
            else
            {
                settings = settings with { UploadTimeout = parsed };
            }
        }

        if (annotations.TryGetValue(FlamewatchAnnotations.SamplingFrequency, out var frequencyText))
        {
            if (!int.TryParse(frequencyText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                errors.Add(new(FlamewatchAnnotations.SamplingFrequency, $"\"{GoDuration.Truncate(frequencyText)}\" is not a whole number of hertz; using {settings.SamplingFrequency}"));
            }
            else if (SettingsRules.SamplingFrequency(parsed) is { } error)
            {
                errors.Add(new(FlamewatchAnnotations.SamplingFrequency, $"{error}; using {settings.SamplingFrequency}"));
            }
            else
            {
                settings = settings with { SamplingFrequency = parsed };
            }
        }

        if (annotations.TryGetValue(FlamewatchAnnotations.ProfileTypes, out var typesText))
        {
            var names = typesText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (SettingsRules.ProfileTypes(names, out var parsed) is { } error)
            {
                var fallback = parsed != ProfileTypes.None ? "ignoring them" : "using all";
                errors.Add(new(FlamewatchAnnotations.ProfileTypes, $"{error}; {fallback}"));
            }

            if (parsed != ProfileTypes.None)
            {
                settings = settings with { ProfileTypes = parsed };
            }
        }

        if (annotations.TryGetValue(FlamewatchAnnotations.Labels, out var labelsText))
        {
            if (ReadLabels(labelsText, out var parsed) is { } error)
            {
                errors.Add(new(FlamewatchAnnotations.Labels, $"{error}; labels ignored"));
            }
            else
            {
                settings = settings with { Labels = parsed };
            }
        }

        return new PodProfilingRequest(enabled, managedBy, settings, errors);
    }

    private static string? ReadLabels(string text, out IReadOnlyDictionary<string, string> labels)
    {
        labels = ProfilingSettings.EmptyLabels;
        if (text.Length > MaxLabelsLength)
        {
            return $"{text.Length} characters is more than the {MaxLabelsLength} allowed";
        }

        var parsed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "must be a JSON object of strings, such as {\"team\":\"payments\"}";
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return $"the value of \"{GoDuration.Truncate(property.Name)}\" is not a string";
                }

                parsed[property.Name] = property.Value.GetString()!;
            }
        }
        catch (JsonException exception)
        {
            return $"is not valid JSON ({exception.Message})";
        }

        if (SettingsRules.Labels(parsed) is { } error)
        {
            return error;
        }

        labels = parsed;
        return null;
    }
}

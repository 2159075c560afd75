using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Settings;

namespace Flamewatch.Contracts;

/// <summary>
/// A ContinuousProfile's spec plus the CRD defaults → the settings written to its pods. The API server already
/// applies the defaults and rejects invalid values at admission; this applies the same rules again so that the
/// operator never writes an invalid annotation, whatever the object went through.
/// </summary>
public static class EffectiveSettings
{
    public static SettingsResult FromSpec(V1Alpha1ContinuousProfileSpec spec, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<SettingsError>();

        // Each value the spec sets and the rules accept replaces the default of ProfilingSettings.
        var settings = new ProfilingSettings { ApplicationName = spec.ApplicationName ?? resourceName };
        if (SettingsRules.ApplicationName(settings.ApplicationName) is { } nameError)
        {
            errors.Add(new("spec.applicationName", nameError));
            settings = settings with { ApplicationName = resourceName };
        }

        if (spec.Period is not null)
        {
            if (SettingsRules.Period(spec.Period, out var parsedPeriod) is { } periodError)
            {
                errors.Add(new("spec.period", periodError));
            }
            else
            {
                settings = settings with { Period = parsedPeriod };
            }
        }

        settings = settings with { UploadTimeout = SettingsRules.FallbackUploadTimeout(settings.Period) };
        if (spec.UploadTimeout is not null)
        {
            if (SettingsRules.UploadTimeout(spec.UploadTimeout, settings.Period, out var parsedTimeout) is { } timeoutError)
            {
                errors.Add(new("spec.uploadTimeout", timeoutError));
            }
            else
            {
                settings = settings with { UploadTimeout = parsedTimeout };
            }
        }
        else if (SettingsRules.DefaultUploadTimeout >= settings.Period)
        {
            errors.Add(new("spec.uploadTimeout", $"the default {GoDuration.Format(SettingsRules.DefaultUploadTimeout)} is not shorter than the period; set a shorter uploadTimeout"));
        }

        if (spec.SamplingFrequency is { } requestedFrequency)
        {
            if (SettingsRules.SamplingFrequency(requestedFrequency) is { } frequencyError)
            {
                errors.Add(new("spec.samplingFrequency", frequencyError));
            }
            else
            {
                settings = settings with { SamplingFrequency = requestedFrequency };
            }
        }

        if (spec.ProfileTypes is not null)
        {
            if (SettingsRules.ProfileTypes(spec.ProfileTypes, out var parsedTypes) is { } typesError)
            {
                errors.Add(new("spec.profileTypes", typesError));
            }

            if (parsedTypes != ProfileTypes.None)
            {
                settings = settings with { ProfileTypes = parsedTypes };
            }
        }

        if (spec.Labels is { Count: > 0 })
        {
            if (SettingsRules.Labels(spec.Labels) is { } labelsError)
            {
                errors.Add(new("spec.labels", labelsError));
            }
            else
            {
                settings = settings with { Labels = new SortedDictionary<string, string>(spec.Labels, StringComparer.Ordinal) };
            }
        }

        if (spec.Selector is null)
        {
            errors.Add(new("spec.selector", "a selector is required ({} selects every pod of the namespace)"));
        }
        else if (spec.Selector.Validate() is { } selectorError)
        {
            var separator = selectorError.IndexOf(": ", StringComparison.Ordinal);
            errors.Add(new(selectorError[..separator], selectorError[(separator + 2)..]));
        }

        return new SettingsResult(settings, errors);
    }
}

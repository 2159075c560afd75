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

        var applicationName = spec.ApplicationName ?? resourceName;
        if (SettingsRules.ApplicationName(applicationName) is { } nameError)
        {
            errors.Add(new("spec.applicationName", nameError));
            applicationName = resourceName;
        }

        var period = SettingsRules.DefaultPeriod;
        if (spec.Period is not null)
        {
            if (SettingsRules.Period(spec.Period, out var parsedPeriod) is { } periodError)
            {
                errors.Add(new("spec.period", periodError));
            }
            else
            {
                period = parsedPeriod;
            }
        }

        var uploadTimeout = SettingsRules.FallbackUploadTimeout(period);
        if (spec.UploadTimeout is not null)
        {
            if (SettingsRules.UploadTimeout(spec.UploadTimeout, period, out var parsedTimeout) is { } timeoutError)
            {
                errors.Add(new("spec.uploadTimeout", timeoutError));
            }
            else
            {
                uploadTimeout = parsedTimeout;
            }
        }
        else if (SettingsRules.DefaultUploadTimeout >= period)
        {
            errors.Add(new("spec.uploadTimeout", $"the default {GoDuration.Format(SettingsRules.DefaultUploadTimeout)} is not shorter than the period; set a shorter uploadTimeout"));
        }

        var frequency = SettingsRules.DefaultSamplingFrequency;
        if (spec.SamplingFrequency is { } requestedFrequency)
        {
            if (SettingsRules.SamplingFrequency(requestedFrequency) is { } frequencyError)
            {
                errors.Add(new("spec.samplingFrequency", frequencyError));
            }
            else
            {
                frequency = requestedFrequency;
            }
        }

        var profileTypes = ProfileTypes.Default;
        if (spec.ProfileTypes is not null)
        {
            if (SettingsRules.ProfileTypes(spec.ProfileTypes, out var parsedTypes) is { } typesError)
            {
                errors.Add(new("spec.profileTypes", typesError));
            }

            if (parsedTypes != ProfileTypes.None)
            {
                profileTypes = parsedTypes;
            }
        }

        var labels = ProfilingSettings.EmptyLabels;
        if (spec.Labels is { Count: > 0 })
        {
            if (SettingsRules.Labels(spec.Labels) is { } labelsError)
            {
                errors.Add(new("spec.labels", labelsError));
            }
            else
            {
                labels = new SortedDictionary<string, string>(spec.Labels, StringComparer.Ordinal);
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

        var settings = new ProfilingSettings
        {
            ApplicationName = applicationName,
            Period = period,
            UploadTimeout = uploadTimeout,
            SamplingFrequency = frequency,
            ProfileTypes = profileTypes,
            Labels = labels,
        };
        return new SettingsResult(settings, errors);
    }
}

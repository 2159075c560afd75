using Flamewatch.Agent.Storage;
using Flamewatch.Settings;
using Microsoft.Extensions.Options;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// What every intake protocol shares: validate the application name and labels (they are data, never
/// paths, but they are bounded), decode and index every attachment, then store the profile.
/// Everything is checked before anything is written, so a rejected upload leaves no profile behind.
/// </summary>
internal sealed class ProfileIngestor(ProfileStore store, IOptions<AgentOptions> options, TimeProvider timeProvider, AgentMetrics metrics, ILogger<ProfileIngestor> logger)
{
    // The limits of the settings rules. Labels are counted with those the sender adds (runtime, host, pod...), and
    // their characters are not checked beyond length: a Datadog tracer sends the service as a label too.
    public const int MaxApplicationNameLength = SettingsRules.MaxApplicationNameLength;
    public const int MaxLabels = SettingsRules.MaxProfileLabels;
    public const int MaxLabelKeyLength = SettingsRules.MaxLabelKeyLength;
    public const int MaxLabelValueLength = SettingsRules.MaxLabelValueLength;

    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<long> IngestAsync(
        string path,
        string application,
        DateTimeOffset start,
        DateTimeOffset end,
        IReadOnlyList<KeyValuePair<string, string>> labels,
        IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> attachments,
        CancellationToken cancellationToken) =>
        await StoreAsync(path, Prepare(application, (start, end), labels, attachments), cancellationToken);

    /// <summary>
    /// Validates, decodes and indexes a profile without storing it, so that a request carrying several
    /// profiles can check them all before writing any. <paramref name="range"/> null: the time range of the
    /// first attachment's pprof (<c>time_nanos</c> + <c>duration_nanos</c>; a pprof without a time ends now).
    /// </summary>
    public PreparedProfile Prepare(
        string application,
        (DateTimeOffset Start, DateTimeOffset End)? range,
        IReadOnlyList<KeyValuePair<string, string>> labels,
        IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> attachments)
    {
        CheckText("application name", application, 1, MaxApplicationNameLength);
        if (range is { } given)
        {
            CheckRange(given.Start, given.End);
        }
        if (labels.Count > MaxLabels)
        {
            throw IntakeException.BadRequest($"too many labels ({labels.Count}; at most {MaxLabels})");
        }
        foreach (var (key, value) in labels)
        {
            CheckText("label key", key, 1, MaxLabelKeyLength);
            CheckText($"value of label {PprofDecoder.Quote(key)}", value, 0, MaxLabelValueLength);
        }
        if (attachments.Count == 0)
        {
            throw IntakeException.BadRequest("the upload has no pprof attachment");
        }

        var symbols = store.Symbols;
        // One attachment (the usual case) is encoded straight from its rows; several are summed per type first.
        var samples = new List<KeyValuePair<int, byte[]>>();
        var valuesByType = new Dictionary<int, Dictionary<int, long>>();
        foreach (var (name, content) in attachments)
        {
            var profile = PprofDecoder.Decode(name, content, options.Value.MaxDecompressedBytes);
            try
            {
                range ??= RangeOf(name, profile);
                if (attachments.Count == 1)
                {
                    var values = SampleIndexer.Index(name, profile, symbols);
                    for (var column = 0; column < values.Types.Count; column++)
                    {
                        samples.Add(new(values.Types[column], values.Encode(column)));
                    }
                }
                else
                {
                    SampleIndexer.Add(name, profile, symbols, valuesByType);
                }
            }
            finally
            {
                profile.ReturnBuffer();
            }
        }
        foreach (var (type, values) in valuesByType)
        {
            samples.Add(new(type, SampleBlob.Encode(values)));
        }

        var app = symbols.Applications.GetOrAdd(application);
        var labelIds = labels.DistinctBy(l => l.Key, StringComparer.Ordinal).Select(l => symbols.Labels.GetOrAdd((app, l.Key, l.Value))).ToArray();
        foreach (var (type, _) in samples)
        {
            symbols.ApplicationTypes.GetOrAdd((app, type));
        }
        var (start, end) = range!.Value;
        return new PreparedProfile(application, new NewProfile(app, start, end, labelIds, samples));
    }

    /// <summary>Writes a prepared profile; answers once it is durably stored.</summary>
    public async Task<long> StoreAsync(string path, PreparedProfile prepared, CancellationToken cancellationToken)
    {
        long id;
        try
        {
            id = await store.AddAsync(prepared.Profile, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not the client's fault: the store logged the cause; the client may retry.
            throw new IntakeException(StatusCodes.Status503ServiceUnavailable, "the profile could not be stored: " + ex.Message);
        }
        logger.ProfileStored(id, prepared.Application, prepared.Profile.Bytes, prepared.Profile.Samples.Count, path);
        metrics.ProfileStored(prepared.Profile.Bytes);
        return id;
    }

    private (DateTimeOffset Start, DateTimeOffset End) RangeOf(string name, PprofReader profile)
    {
        if (profile.TimeNanos < 0 || profile.DurationNanos < 0 || profile.DurationNanos > ProfileStore.MaxProfileDuration.Ticks * 100)
        {
            throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(name)} has a negative time or a duration longer than a day");
        }
        var duration = TimeSpan.FromTicks(profile.DurationNanos / 100);
        var start = profile.TimeNanos == 0 ? timeProvider.GetUtcNow() - duration : DateTimeOffset.UnixEpoch.AddTicks(Math.Min(profile.TimeNanos / 100, Latest.Ticks - DateTimeOffset.UnixEpoch.Ticks));
        CheckRange(start, start + duration);
        return (start, start + duration);
    }

    private static void CheckRange(DateTimeOffset start, DateTimeOffset end)
    {
        if (start < Earliest || end > Latest || end < start || end - start > ProfileStore.MaxProfileDuration)
        {
            throw IntakeException.BadRequest($"the profile's time range {start:O} .. {end:O} is invalid (end before start, longer than a day, or outside 2000..2200)");
        }
    }

    private static void CheckText(string what, string value, int minLength, int maxLength)
    {
        if (value.Length < minLength || value.Length > maxLength)
        {
            throw IntakeException.BadRequest($"{what} must be {minLength}..{maxLength} characters (was {value.Length})");
        }
        if (value.Any(char.IsControl) || value.Any(char.IsSurrogate) && !IsWellFormed(value))
        {
            throw IntakeException.BadRequest($"{what} {PprofDecoder.Quote(value)} contains control characters or broken UTF-16");
        }
    }

    private static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }
        return true;
    }
}

using Flamewatch.Agent.Storage;
using Microsoft.Extensions.Options;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// What both intake protocols share: validate the application name and labels (they are data, never
/// paths, but they are bounded), decode and index every attachment, then store the profile.
/// Everything is checked before anything is written, so a rejected upload leaves no profile behind.
/// </summary>
internal sealed class ProfileIngestor(ProfileStore store, IOptions<AgentOptions> options, ILogger<ProfileIngestor> logger)
{
    public const int MaxApplicationNameLength = 200;
    public const int MaxLabels = 64;
    public const int MaxLabelKeyLength = 100;
    public const int MaxLabelValueLength = 500;

    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<long> IngestAsync(
        string path,
        string application,
        DateTimeOffset start,
        DateTimeOffset end,
        IReadOnlyList<KeyValuePair<string, string>> labels,
        IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> attachments,
        CancellationToken cancellationToken)
    {
        CheckText("application name", application, 1, MaxApplicationNameLength);
        if (start < Earliest || end > Latest || end < start || end - start > ProfileStore.MaxProfileDuration)
        {
            throw IntakeException.BadRequest($"the profile's time range {start:O} .. {end:O} is invalid (end before start, longer than a day, or outside 2000..2200)");
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
        var stored = new NewProfile(app, start, end, labelIds, samples);
        long id;
        try
        {
            id = await store.AddAsync(stored, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not the client's fault: the store logged the cause; the client may retry.
            throw new IntakeException(StatusCodes.Status503ServiceUnavailable, "the profile could not be stored: " + ex.Message);
        }
        logger.ProfileStored(id, application, stored.Bytes, samples.Count, path);
        return id;
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

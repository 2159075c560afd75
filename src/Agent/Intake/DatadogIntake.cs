using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// <c>POST /profiling/v1/input</c>, the Datadog agent profiling intake: a multipart body with an
/// <c>event</c> part (event.json: attachments, start, end, family, version, tags_profiler) and one part per
/// pprof attachment, in any order. The application is the <c>service</c> tag; the other tags become labels.
/// </summary>
internal sealed class DatadogIntake(ProfileIngestor ingestor, ILogger<DatadogIntake> logger)
{
    public const string Path = "/profiling/v1/input";
    private const int MaxEventBytes = 1024 * 1024;

    /// <summary>Tags that change with every upload and would only bloat the label index.</summary>
    private static readonly HashSet<string> IgnoredTags = new(StringComparer.Ordinal) { "service", "profile_seq" };

    public Task<IResult> HandleAsync(HttpContext context) => IntakeResults.RunAsync(context, logger, async () =>
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new IntakeException(StatusCodes.Status415UnsupportedMediaType, "expected a multipart/form-data body with an 'event' part and pprof attachments");
        }
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            throw IntakeException.BadRequest("the multipart Content-Type has no usable boundary");
        }

        // Parts are read into pooled buffers, given back once the profile is stored (or rejected).
        var rented = new List<byte[]>();
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
            EventJson? ev = null;
            var parts = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var disposition = section.GetContentDispositionHeader();
                var name = disposition?.Name.HasValue == true ? HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "" : "";
                if (name.Length == 0)
                {
                    throw IntakeException.BadRequest("a multipart part has no Content-Disposition name");
                }
                var part = await ReadPartAsync(section.Body, rented, cancellationToken);
                if (name == "event")
                {
                    if (part.Length > MaxEventBytes)
                    {
                        throw IntakeException.BadRequest($"the event part is larger than {MaxEventBytes} bytes");
                    }
                    ev = ParseEvent(part.Span);
                }
                else if (!parts.TryAdd(name, part))
                {
                    throw IntakeException.BadRequest($"the part {PprofDecoder.Quote(name)} appears twice");
                }
            }
            if (ev is null)
            {
                throw IntakeException.BadRequest("the upload has no 'event' part (event.json)");
            }

            var attachments = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
            foreach (var name in ev.Attachments ?? [.. parts.Keys])
            {
                if (!parts.TryGetValue(name, out var content))
                {
                    throw IntakeException.BadRequest($"the event lists attachment {PprofDecoder.Quote(name)} but no part has that name");
                }
                attachments.Add(new(name, content));
            }
            var tags = ParseTags(ev.TagsProfiler);
            var service = tags.FirstOrDefault(t => t.Key == "service").Value;
            if (string.IsNullOrEmpty(service))
            {
                throw IntakeException.BadRequest("the event's tags_profiler has no service tag (the application name)");
            }
            var labels = tags.Where(t => !IgnoredTags.Contains(t.Key)).ToList();
            var id = await ingestor.IngestAsync(Path, service, ev.Start, ev.End, labels, attachments, cancellationToken);
            return TypedResults.Json(new Accepted(id), statusCode: StatusCodes.Status200OK);
        }
        finally
        {
            foreach (var buffer in rented)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    });

    /// <summary>Reads a part into a pooled buffer (recorded in <paramref name="rented"/>), doubling it as needed.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadPartAsync(Stream body, List<byte[]> rented, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        rented.Add(buffer);
        var length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, Array.MaxLength));
                buffer.AsSpan(0, length).CopyTo(grown);
                rented[^1] = grown;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = grown;
            }
        }
        return buffer.AsMemory(0, length);
    }

    /// <summary>Splits <c>k1:v1,k2:v2</c>; a tag without a colon gets an empty value, as Datadog treats it.</summary>
    public static List<KeyValuePair<string, string>> ParseTags(string? tags)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var tag in (tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = tag.IndexOf(':', StringComparison.Ordinal);
            result.Add(colon < 0 ? new(tag, "") : new(tag[..colon], tag[(colon + 1)..]));
        }
        return result;
    }

    private static EventJson ParseEvent(ReadOnlySpan<byte> json)
    {
        // JsonDocument checks structure but not the UTF-8 inside strings: reading such a string would throw.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw IntakeException.BadRequest("event.json is not valid UTF-8");
        }
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw IntakeException.BadRequest("event.json must be a JSON object");
            }
            List<string>? attachments = null;
            if (root.TryGetProperty("attachments", out var list))
            {
                attachments = list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String)
                    ? [.. list.EnumerateArray().Select(a => a.GetString()!)]
                    : throw IntakeException.BadRequest("event.json 'attachments' must be an array of part names");
            }
            var tags = root.TryGetProperty("tags_profiler", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return new EventJson(attachments, Time(root, "start"), Time(root, "end"), tags);
        }
        catch (JsonException ex)
        {
            throw IntakeException.BadRequest("event.json is not valid JSON: " + ex.Message);
        }
    }

    private static DateTimeOffset Time(JsonElement root, string property)
    {
        if (root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }
        throw IntakeException.BadRequest($"event.json needs '{property}' as an RFC 3339 time");
    }

    private sealed record EventJson(List<string>? Attachments, DateTimeOffset Start, DateTimeOffset End, string? TagsProfiler);

    internal sealed record Accepted(long Id);
}

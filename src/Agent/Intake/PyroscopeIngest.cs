using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// <c>POST /ingest?name=app{k=v,...}&amp;from=&amp;until=&amp;format=pprof</c>, Pyroscope's push API for pprof:
/// the body is one pprof (raw or gzip), or a multipart form whose <c>profile</c> part is the pprof.
/// </summary>
internal sealed class PyroscopeIngest(ProfileIngestor ingestor, TimeProvider timeProvider, ILogger<PyroscopeIngest> logger)
{
    public const string Path = "/ingest";

    public Task<IResult> HandleAsync(HttpContext context) => IntakeResults.RunAsync(context, logger, async () =>
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        var query = request.Query;
        var format = query["format"].ToString();
        if (!format.Equals("pprof", StringComparison.OrdinalIgnoreCase))
        {
            throw new IntakeException(StatusCodes.Status415UnsupportedMediaType,
                $"format {PprofDecoder.Quote(format)} is not supported; this agent accepts format=pprof");
        }
        var (application, labels) = ParseName(query["name"].ToString());
        var now = timeProvider.GetUtcNow();
        var until = query.ContainsKey("until") ? ParseTime(query["until"].ToString(), "until") : now;
        var from = query.ContainsKey("from") ? ParseTime(query["from"].ToString(), "from") : until - TimeSpan.FromSeconds(10);

        ReadOnlyMemory<byte> pprof;
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            pprof = await ReadProfilePartAsync(request, HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value ?? "", cancellationToken);
        }
        else
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            pprof = buffer.ToArray();
        }
        var id = await ingestor.IngestAsync(Path, application, from, until, labels, [new("profile", pprof)], cancellationToken);
        return TypedResults.Json(new DatadogIntake.Accepted(id));
    });

    /// <summary>Parses <c>app{k=v,k2=v2}</c> (the braces are optional).</summary>
    public static (string Application, List<KeyValuePair<string, string>> Labels) ParseName(string name)
    {
        var brace = name.IndexOf('{', StringComparison.Ordinal);
        if (brace < 0)
        {
            return (name.Trim(), []);
        }
        if (!name.EndsWith('}'))
        {
            throw IntakeException.BadRequest($"name {PprofDecoder.Quote(name)} must look like app{{key=value,...}}");
        }
        var labels = new List<KeyValuePair<string, string>>();
        foreach (var pair in name[(brace + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw IntakeException.BadRequest($"label {PprofDecoder.Quote(pair)} in name must be key=value");
            }
            labels.Add(new(pair[..eq].Trim(), pair[(eq + 1)..].Trim()));
        }
        return (name[..brace].Trim(), labels);
    }

    /// <summary>Unix time in seconds (Pyroscope's unit); milliseconds and nanoseconds are recognised by magnitude.</summary>
    private static DateTimeOffset ParseTime(string value, string what)
    {
        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            throw IntakeException.BadRequest($"'{what}' must be a unix time (was {PprofDecoder.Quote(value)})");
        }
        return number switch
        {
            > 100_000_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds(number / 1_000_000),
            > 100_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds(number),
            _ => DateTimeOffset.FromUnixTimeSeconds(number),
        };
    }

    private static async Task<ReadOnlyMemory<byte>> ReadProfilePartAsync(HttpRequest request, string boundary, CancellationToken cancellationToken)
    {
        if (boundary.Length is 0 or > 200)
        {
            throw IntakeException.BadRequest("the multipart Content-Type has no usable boundary");
        }
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            var name = section.GetContentDispositionHeader()?.Name.Value?.Trim('"');
            using var buffer = new MemoryStream();
            await section.Body.CopyToAsync(buffer, cancellationToken);
            if (name == "profile")
            {
                return buffer.ToArray();
            }
        }
        throw IntakeException.BadRequest("the multipart body has no 'profile' part");
    }
}

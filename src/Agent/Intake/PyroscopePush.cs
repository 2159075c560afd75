using System.Text;
using Flamewatch.Agent.Intake.Push;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// <c>POST /push.v1.PusherService/Push</c>, Pyroscope's push API in the Connect protocol's unary form
/// (<c>application/proto</c> or <c>application/json</c>, optionally <c>Content-Encoding: gzip</c> or <c>zstd</c>).
/// Each series' <c>service_name</c> label is the application (<c>__name__</c>, the profile type family, when it has
/// none); its other labels are tags, except <c>__reserved__</c> ones. Every raw sample becomes one profile, whose time
/// range is the pprof's own. All samples are checked before any is stored. Answers as Pyroscope does: an empty
/// PushResponse, or a Connect error.
/// </summary>
internal sealed class PyroscopePush(ProfileIngestor ingestor, IOptions<AgentOptions> options, ILogger<PyroscopePush> logger)
{
    public const string Path = "/push.v1.PusherService/Push";

    /// <summary>Profiles in one push; Pyroscope clients send one or a few per series.</summary>
    public const int MaxProfiles = 1024;

    private const string ServiceName = "service_name";
    private const string MetricName = "__name__";

    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public Task<IResult> HandleAsync(HttpContext context) => IntakeResults.RunAsync(context, logger, async () =>
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        var json = IsJson(request.ContentType);
        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (encoding is not ("" or "identity" or "gzip" or "zstd"))
        {
            throw IntakeException.BadRequest($"Content-Encoding {PprofDecoder.Quote(encoding)} is not supported; this agent reads gzip, zstd or identity");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var push = Parse(body, encoding, json);

        var prepared = new List<PreparedProfile>();
        for (var s = 0; s < push.Series.Count; s++)
        {
            var series = push.Series[s];
            var (application, tags) = Labels(series, s);
            for (var i = 0; i < series.Samples.Count; i++)
            {
                if (prepared.Count == MaxProfiles)
                {
                    throw IntakeException.BadRequest($"the push carries more than {MaxProfiles} profiles");
                }
                var name = $"series[{s}].samples[{i}].raw_profile";
                prepared.Add(ingestor.Prepare(application, null, tags, [new(name, series.Samples[i].RawProfile.Memory)]));
            }
        }
        foreach (var profile in prepared)
        {
            await ingestor.StoreAsync(Path, profile, cancellationToken);
        }
        // PushResponse has no fields: "{}" in JSON, no bytes in protobuf.
        return json ? TypedResults.Text("{}", "application/json") : TypedResults.Bytes([], "application/proto");
    }, ConnectErrors.For);

    private static bool IsJson(string? contentType)
    {
        if (MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (mediaType.MediaType.Equals("application/proto", StringComparison.OrdinalIgnoreCase)
                || mediaType.MediaType.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        throw new IntakeException(StatusCodes.Status415UnsupportedMediaType,
            $"Content-Type {PprofDecoder.Quote(contentType ?? "")} is not supported; send application/proto or application/json");
    }

    private PushRequest Parse(ReadOnlyMemory<byte> body, string encoding, bool json)
    {
        byte[]? rented = null;
        try
        {
            var message = body;
            if (encoding is "gzip" or "zstd")
            {
                var magic = encoding == "gzip" ? [0x1f, 0x8b] : (byte[])[0x28, 0xb5, 0x2f, 0xfd];
                if (!body.Span.StartsWith(magic))
                {
                    throw IntakeException.BadRequest($"the request body is not {encoding} as its Content-Encoding says");
                }
                message = PprofDecoder.Decompress("the request body", body, options.Value.MaxDecompressedBytes, out rented);
            }
            return json ? Json.Parse<PushRequest>(Encoding.UTF8.GetString(message.Span)) : PushRequest.Parser.ParseFrom(message.Span);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException)
        {
            throw IntakeException.BadRequest($"the request body is not a valid {(json ? "JSON" : "protobuf")} PushRequest: {ex.Message}");
        }
        catch (FormatException ex)
        {
            // A JSON value of the wrong form (bytes that are not base64, a number where a string belongs).
            throw IntakeException.BadRequest("the request body is not a valid JSON PushRequest: " + ex.Message);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static (string Application, List<KeyValuePair<string, string>> Tags) Labels(RawProfileSeries series, int index)
    {
        string? service = null;
        string? metric = null;
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var label in series.Labels)
        {
            switch (label.Name)
            {
                case ServiceName:
                    service = label.Value;
                    break;
                case MetricName:
                    metric = label.Value;
                    break;
                case { Length: > 4 } reserved when reserved.StartsWith("__", StringComparison.Ordinal) && reserved.EndsWith("__", StringComparison.Ordinal):
                    // Reserved labels (__session_id__, __delta__, ...) describe the upload, not the application.
                    break;
                default:
                    tags.Add(new(label.Name, label.Value));
                    break;
            }
        }
        var application = !string.IsNullOrEmpty(service) ? service : metric;
        if (string.IsNullOrEmpty(application))
        {
            throw IntakeException.BadRequest($"series {index} has no service_name label (the application name)");
        }
        return (application, tags);
    }
}

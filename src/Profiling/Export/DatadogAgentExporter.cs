using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Flamewatch.Profiling.Export;

/// <summary>
/// Uploads to a Datadog-agent profiling intake (<c>POST /profiling/v1/input</c>) as Datadog's own profilers do:
/// a multipart body whose <c>event</c> part (<c>event.json</c>) lists the attachments, the period, family
/// <c>dotnet</c>, version <c>4</c> and <c>tags_profiler</c> (<c>service:&lt;application&gt;</c> then the tags), followed by
/// one part per pprof attachment. Works with Flamewatch's agent, the Datadog Agent and the Blackfire Agent.
/// </summary>
public sealed class DatadogAgentExporter : IProfileExporter, IDisposable
{
    public const string IntakePath = "profiling/v1/input";

    private static readonly string Origin = "flamewatch";
    private static readonly string OriginVersion = typeof(DatadogAgentExporter).Assembly.GetName().Version?.ToString(3) ?? "0";

    private readonly ExportHttp _http;
    private readonly Uri _intake;
    private readonly string? _apiKey;

    /// <param name="agentAddress"><c>http://host:port</c> or <c>unix:///path/to/socket</c>.</param>
    /// <param name="uploadTimeout">An upload still running after this long is cancelled and counted in <see cref="TimedOut"/>.</param>
    /// <param name="apiKey">Sent as <c>DD-API-KEY</c> and as a bearer token when the agent requires one.</param>
    /// <param name="handler">For tests; by default a pooled <see cref="SocketsHttpHandler"/>.</param>
    public DatadogAgentExporter(string agentAddress, TimeSpan uploadTimeout, string? apiKey = null, HttpMessageHandler? handler = null)
    {
        _http = new ExportHttp(agentAddress, uploadTimeout, handler);
        _intake = new Uri(_http.BaseAddress, IntakePath);
        _apiKey = apiKey;
    }

    /// <summary>Uploads accepted by the agent.</summary>
    public long Succeeded => _http.Succeeded;

    /// <summary>Uploads that failed (including those that timed out).</summary>
    public long Failed => _http.Failed;

    /// <summary>Uploads cancelled because they ran past the upload timeout.</summary>
    public long TimedOut => _http.TimedOut;

    public async Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        using var request = new HttpRequestMessage(HttpMethod.Post, _intake) { Content = CreateBody(upload) };
        request.Headers.Add("DD-EVP-ORIGIN", Origin);
        request.Headers.Add("DD-EVP-ORIGIN-VERSION", OriginVersion);
        if (_apiKey is not null)
        {
            request.Headers.Add("DD-API-KEY", _apiKey);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }
        await _http.CountAsync(() => _http.SendAsync(request, $"Profile upload to {_intake}", cancellationToken));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The multipart body of an upload exactly as this exporter sends it (for callers that send through their own client).</summary>
    public static MultipartFormDataContent CreateBody(ProfileUpload upload)
    {
        var boundary = Guid.NewGuid().ToString("N");
        var body = new MultipartFormDataContent(boundary);
        // Unquoted, as Datadog's clients send it.
        body.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        body.Add(Part(new ByteArrayContent(CreateEvent(upload)), "event", "event.json", "application/json"));
        foreach (var attachment in upload.Attachments)
        {
            body.Add(Part(new ReadOnlyMemoryContent(attachment.Content), attachment.Name, attachment.Name, "application/octet-stream"));
        }
        return body;
    }

    /// <summary>The event.json document.</summary>
    internal static byte[] CreateEvent(ProfileUpload upload)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("attachments");
            foreach (var attachment in upload.Attachments)
            {
                json.WriteStringValue(attachment.Name);
            }
            json.WriteEndArray();
            json.WriteString("start", FormatTime(upload.Start));
            json.WriteString("end", FormatTime(upload.End));
            json.WriteString("family", "dotnet");
            json.WriteString("version", "4");
            json.WriteString("tags_profiler", FormatTags(upload));
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary><c>service:&lt;app&gt;,k:v,...</c>; commas inside keys or values would split a tag, so they become underscores.</summary>
    internal static string FormatTags(ProfileUpload upload)
    {
        var tags = new StringBuilder("service:").Append(Clean(upload.ApplicationName));
        foreach (var (key, value) in upload.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (key != "service")
            {
                tags.Append(',').Append(Clean(key)).Append(':').Append(Clean(value));
            }
        }
        return tags.ToString();

        static string Clean(string value) => value.Replace(',', '_');
    }

    private static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static HttpContent Part(HttpContent content, string name, string fileName, string contentType)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = Quote(name),
            FileName = Quote(fileName),
        };
        return content;
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

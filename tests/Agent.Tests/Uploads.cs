using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Flamewatch.Profiling.Export;

namespace Flamewatch.Agent.Tests;

/// <summary>Hand-built Datadog intake requests, so tests control part order, compression and framing.</summary>
internal static class Uploads
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 7, 0, 0, TimeSpan.Zero);

    public static string Event(string service, string[] attachments, string extraTags = "", DateTimeOffset? start = null, TimeSpan? length = null)
    {
        var from = start ?? DateTimeOffset.UtcNow.AddMinutes(-1);
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["attachments"] = attachments,
            ["start"] = from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["end"] = (from + (length ?? TimeSpan.FromSeconds(45))).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["family"] = "dotnet",
            ["version"] = "4",
            ["tags_profiler"] = $"service:{service}" + extraTags,
        });
    }

    /// <summary>A multipart body; parts are written in the order given. <c>name == null</c> writes no Content-Disposition name.</summary>
    public static byte[] Body(string boundary, params (string? Name, string ContentType, byte[] Content)[] parts)
    {
        using var body = new MemoryStream();
        void Write(string s) => body.Write(Encoding.UTF8.GetBytes(s));
        foreach (var (name, contentType, content) in parts)
        {
            Write($"--{boundary}\r\n");
            Write(name is null ? "Content-Disposition: form-data\r\n" : $"Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n");
            Write($"Content-Type: {contentType}\r\n\r\n");
            body.Write(content);
            Write("\r\n");
        }
        Write($"--{boundary}--\r\n");
        return body.ToArray();
    }

    /// <summary>Posts a body without Content-Length (chunked), as dd-trace does.</summary>
    public static async Task<HttpResponseMessage> PostChunkedAsync(HttpClient client, string path, byte[] body, string contentType, CancellationToken cancellationToken)
    {
        var content = new StreamContent(new NonSeekableStream(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return await client.SendAsync(request, cancellationToken);
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string boundary, byte[] body, CancellationToken cancellationToken, string? token = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/profiling/v1/input") { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await client.SendAsync(request, cancellationToken);
    }

    /// <summary>A typical Flamewatch upload: one auto.pprof with the collector's five types.</summary>
    public static ProfileUpload CollectorUpload(string application, IReadOnlyDictionary<string, string> tags, DateTimeOffset start, params (string[] Stack, long[] Values)[] samples) =>
        new(application, start, start.AddSeconds(45), tags,
            [new ProfileAttachment(ProfileAttachment.DefaultName, Pprofs.Gzip(Pprofs.Create(Pprofs.CollectorTypes, samples)))]);

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

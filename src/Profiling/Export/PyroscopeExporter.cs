using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Flamewatch.Profiling.Export;

/// <summary>
/// Pushes each attachment to a Pyroscope server (or Flamewatch's agent) through <c>POST /ingest</c>:
/// <c>name=&lt;application&gt;{k=v,...}</c>, <c>from</c>/<c>until</c> in unix seconds, <c>format=pprof</c>, body the gzip pprof.
/// </summary>
public sealed class PyroscopeExporter : IProfileExporter, IDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _baseAddress;
    private readonly TimeSpan _uploadTimeout;
    private readonly string? _authToken;
    private readonly UploadCounters _counters = new();

    /// <param name="serverAddress">e.g. <c>http://pyroscope:4040</c>.</param>
    /// <param name="uploadTimeout">A push still running after this long is cancelled and counted in <see cref="TimedOut"/>.</param>
    /// <param name="authToken">Sent as a bearer token when set.</param>
    /// <param name="handler">For tests; by default a pooled <see cref="SocketsHttpHandler"/>.</param>
    public PyroscopeExporter(string serverAddress, TimeSpan uploadTimeout, string? authToken = null, HttpMessageHandler? handler = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(uploadTimeout, TimeSpan.Zero);
        (_client, _baseAddress) = ExportHttp.Create(serverAddress, handler);
        _uploadTimeout = uploadTimeout;
        _authToken = authToken;
    }

    /// <summary>Uploads whose every attachment was accepted.</summary>
    public long Succeeded => _counters.Succeeded;

    /// <summary>Uploads that failed (including those that timed out).</summary>
    public long Failed => _counters.Failed;

    /// <summary>Uploads cancelled because a push ran past the upload timeout.</summary>
    public long TimedOut => _counters.TimedOut;

    public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return _counters.CountAsync(async () =>
        {
            foreach (var attachment in upload.Attachments)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseAddress, "ingest?" + Query(upload)))
                {
                    Content = new ReadOnlyMemoryContent(attachment.Content),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                if (_authToken is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _authToken);
                }
                await ExportHttp.SendAsync(_client, request, _uploadTimeout, $"Profile push to {_baseAddress}ingest", cancellationToken);
            }
        });
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The query string: Pyroscope label names allow letters, digits, <c>_</c> and <c>.</c>; values cannot hold <c>,{}=</c>.</summary>
    internal static string Query(ProfileUpload upload)
    {
        var name = new StringBuilder(Value(upload.ApplicationName)).Append('{');
        var first = true;
        foreach (var (key, value) in upload.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            name.Append(first ? "" : ",").Append(Key(key)).Append('=').Append(Value(value));
            first = false;
        }
        name.Append('}');
        return string.Create(CultureInfo.InvariantCulture,
            $"name={Uri.EscapeDataString(name.ToString())}&from={upload.Start.ToUnixTimeSeconds()}&until={upload.End.ToUnixTimeSeconds()}&format=pprof&spyName=flamewatch");

        static string Key(string key) => new([.. key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' ? c : '_')]);

        static string Value(string value) => new([.. value.Select(c => c is ',' or '{' or '}' or '=' ? '_' : c)]);
    }
}

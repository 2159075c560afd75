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
    private readonly ExportHttp _http;
    private readonly string? _authToken;

    /// <param name="serverAddress">e.g. <c>http://pyroscope:4040</c>.</param>
    /// <param name="uploadTimeout">A push still running after this long is cancelled and counted in <see cref="TimedOut"/>.</param>
    /// <param name="authToken">Sent as a bearer token when set.</param>
    /// <param name="handler">For tests; by default a pooled <see cref="SocketsHttpHandler"/>.</param>
    public PyroscopeExporter(string serverAddress, TimeSpan uploadTimeout, string? authToken = null, HttpMessageHandler? handler = null)
    {
        _http = new ExportHttp(serverAddress, uploadTimeout, handler);
        _authToken = authToken;
    }

    /// <summary>Uploads whose every attachment was accepted.</summary>
    public long Succeeded => _http.Succeeded;

    /// <summary>Uploads that failed (including those that timed out).</summary>
    public long Failed => _http.Failed;

    /// <summary>Uploads cancelled because a push ran past the upload timeout.</summary>
    public long TimedOut => _http.TimedOut;

    public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return _http.CountAsync(async () =>
        {
            foreach (var attachment in upload.Attachments)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_http.BaseAddress, "ingest?" + Query(upload)))
                {
                    Content = new ReadOnlyMemoryContent(attachment.Content),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                if (_authToken is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _authToken);
                }
                await _http.SendAsync(request, $"Profile push to {_http.BaseAddress}ingest", cancellationToken);
            }
        });
    }

    public void Dispose() => _http.Dispose();

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

using System.Net;
using System.Net.Sockets;

namespace Flamewatch.Profiling.Export;

/// <summary>
/// What the HTTP exporters share: one client for an agent address (<c>http://host:port</c> or <c>unix:///path.sock</c>),
/// requests sent under the upload timeout with their answers turned into <see cref="ExportException"/>, and the count of
/// uploads that succeeded, failed and (among the failed) timed out.
/// </summary>
internal sealed class ExportHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeSpan _uploadTimeout;
    private long _succeeded;
    private long _failed;
    private long _timedOut;

    /// <param name="address"><c>http://host:port</c>, <c>https://host:port</c> or <c>unix:///path.sock</c>.</param>
    /// <param name="uploadTimeout">A request still running after this long is cancelled (a <see cref="TimeoutException"/>).</param>
    /// <param name="handler">For tests; by default a pooled <see cref="SocketsHttpHandler"/>.</param>
    public ExportHttp(string address, TimeSpan uploadTimeout, HttpMessageHandler? handler)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(uploadTimeout, TimeSpan.Zero);
        (_client, BaseAddress) = Create(address, handler);
        _uploadTimeout = uploadTimeout;
    }

    /// <summary>Where request paths start: the address's path, or <c>http://localhost/</c> over a Unix socket.</summary>
    public Uri BaseAddress { get; }

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>Runs one upload (one or more requests) and counts its outcome; exceptions pass through.</summary>
    public async Task CountAsync(Func<Task> upload)
    {
        try
        {
            await upload();
            Interlocked.Increment(ref _succeeded);
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref _timedOut);
            Interlocked.Increment(ref _failed);
            throw;
        }
        catch (ExportException)
        {
            Interlocked.Increment(ref _failed);
            throw;
        }
    }

    /// <summary>Sends a request under the upload timeout; throws <see cref="ExportException"/> for any failure.</summary>
    public async Task SendAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(_uploadTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} took longer than the upload timeout ({_uploadTimeout.TotalSeconds:0.###} s) and was cancelled.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ExportException($"{what} failed: {ex.Message}", isRetryable: true, innerException: ex);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            var status = (int)response.StatusCode;
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(timeoutSource.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                body = "";
            }
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - DateTimeOffset.UtcNow,
                _ => (TimeSpan?)null,
            };
            var retryable = status is >= 500 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests;
            throw new ExportException(
                $"{what} was answered {status} {response.ReasonPhrase}: {Truncate(body, 300)}",
                retryable, status, retryAfter);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Creates a client for an agent address; for a Unix socket the requests go to <c>http://localhost</c> over the socket.</summary>
    private static (HttpClient Client, Uri BaseAddress) Create(string address, HttpMessageHandler? handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (address.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = address["unix://".Length..];
            if (path.Length == 0 || path[0] != '/')
            {
                throw new ArgumentException($"A Unix socket address needs an absolute path, e.g. unix:///var/run/datadog/apm.socket (was '{address}').", nameof(address));
            }
            handler ??= new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return (new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }, new Uri("http://localhost/"));
        }
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"An agent address is http://host:port, https://host:port or unix:///path.sock (was '{address}').", nameof(address));
        }
        var baseAddress = new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        return (new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan }, baseAddress);
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "...";
}

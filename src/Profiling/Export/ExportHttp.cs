using System.Net;
using System.Net.Sockets;

namespace Flamewatch.Profiling.Export;

/// <summary>HTTP plumbing shared by the exporters: agent addresses (<c>http://host:port</c> or <c>unix:///path.sock</c>) and answers.</summary>
internal static class ExportHttp
{
    /// <summary>Creates a client for an agent address; for a Unix socket the requests go to <c>http://localhost</c> over the socket.</summary>
    public static (HttpClient Client, Uri BaseAddress) Create(string address, HttpMessageHandler? handler)
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

    /// <summary>Sends a request under the upload timeout; throws <see cref="ExportException"/> for any failure.</summary>
    public static async Task SendAsync(HttpClient client, HttpRequestMessage request, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} took longer than the upload timeout ({timeout.TotalSeconds:0.###} s) and was cancelled.", ex);
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

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "...";
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Flamewatch.Kubernetes.Config;
using Flamewatch.Kubernetes.Json;
using Flamewatch.Kubernetes.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flamewatch.Kubernetes.Rest;

/// <summary>
/// The HTTP side of <see cref="IKubeApi"/>: authentication (token re-read on 401), 429 Retry-After handling,
/// per-request timeouts (none on watch bodies), and <see cref="KubeStatus"/> errors.
/// </summary>
public sealed class KubeApiClient : IKubeApi, IDisposable
{
    private const int MaxRetriesOn429 = 10;
    private readonly HttpClient _http;
    private readonly KubeClientConfig _config;
    private readonly ILogger _logger;

    public KubeApiClient(KubeClientConfig config, HttpMessageHandler? handler = null, TimeProvider? timeProvider = null, ILogger<KubeApiClient>? logger = null)
    {
        _config = config;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _http = new HttpClient(handler ?? CreateHandler(config), disposeHandler: true)
        {
            BaseAddress = config.Server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("flamewatch/0.1");
    }

    public string DefaultNamespace => _config.Namespace;

    public KubeClientConfig Config => _config;

    internal TimeProvider TimeProvider { get; }

    public IResourceClient<T> Resource<T>(ResourceType type)
        where T : KubeObject => new ResourceClient<T>(this, type);

    public void Dispose() => _http.Dispose();

    /// <summary>The handler: HTTP/1.1 (one connection per watch, no HTTP/2 stream limit), TLS per kubeconfig.</summary>
    public static SocketsHttpHandler CreateHandler(KubeClientConfig config)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            MaxConnectionsPerServer = 64,
            AutomaticDecompression = DecompressionMethods.GZip,
        };
        handler.SslOptions.TargetHost = config.TlsServerName;
        if (config.ClientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [config.ClientCertificate];
        }

        if (config.InsecureSkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (config.CaCertificates is { Count: > 0 } roots)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return handler;
    }

    internal async Task<T> SendJsonAsync<T>(HttpMethod method, string path, byte[]? body, string? contentType, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_config.RequestTimeout);
        try
        {
            using var response = await SendAsync(method, path, body, contentType, stream: false, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return KubeJson.Deserialize<T>(bytes);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path} did not complete within {_config.RequestTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Sends a request and returns a successful response; errors become <see cref="KubeApiException"/>.</summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body, string? contentType, bool stream, CancellationToken cancellationToken)
    {
        var retried401 = false;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
            }

            if (_config.Tokens is not null)
            {
                var token = await _config.Tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
                if (!string.IsNullOrEmpty(token))
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }
            }

            var response = await _http.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                var status = await ReadStatusAsync(response, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized && _config.Tokens is not null && !retried401)
                {
                    // A rotated service-account token: drop the cached one and try once more with a fresh read.
                    retried401 = true;
                    _config.Tokens.Invalidate();
                    Log.Unauthorized(_logger, method.Method, path);
                    continue;
                }

                if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < MaxRetriesOn429)
                {
                    var delay = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(status.Details?.RetryAfterSeconds ?? 1);
                    Log.Throttled(_logger, method.Method, path, delay.TotalSeconds);
                    await Task.Delay(delay, TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw KubeApiException.Create(status);
            }
        }
    }

    private static async Task<KubeStatus> ReadStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var status = KubeJson.Deserialize<KubeStatus>(text);
            if (status.Code != 0 && status.Kind == "Status")
            {
                return status;
            }
        }
        catch (JsonException)
        {
        }

        var code = (int)response.StatusCode;
        return new KubeStatus
        {
            Status = "Failure",
            Code = code,
            Reason = ReasonFor(code),
            Message = string.IsNullOrWhiteSpace(text) ? response.ReasonPhrase : text.Trim(),
        };
    }

    internal static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        504 => "Timeout",
        _ => code >= 500 ? "InternalError" : "Unknown",
    };

    internal static string Query(params (string Key, string? Value)[] parameters)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            sb.Append(sb.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        return sb.ToString();
    }
}

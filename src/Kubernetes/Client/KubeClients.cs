using k8s;

namespace Flamewatch.Kubernetes.Client;

/// <summary>Builds the official client the way Flamewatch runs it.</summary>
public static class KubeClients
{
    /// <summary>What Flamewatch's components send as User-Agent (<c>flamewatch/0.1.0</c>): API server audit logs and RBAC checks tell them by it.</summary>
    public static readonly string DefaultUserAgent = $"flamewatch/{typeof(KubeClients).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    /// <summary>
    /// An <see cref="IKubernetes"/> over <paramref name="config"/>: HTTP/1.1 (one connection per watch, so watches never
    /// queue behind an HTTP/2 stream limit and a broken connection breaks one watch), requests other than watches time out
    /// after <paramref name="requestTimeout"/> (30 s by default), the User-Agent is <paramref name="userAgent"/> or
    /// <see cref="DefaultUserAgent"/>, 429 answers are retried after their Retry-After, and in
    /// cluster a 401 re-reads the service-account token (see <see cref="ServiceAccountToken"/>).
    /// </summary>
    public static IKubernetes Create(KubernetesClientConfiguration config, TimeSpan? requestTimeout = null, string? userAgent = null)
    {
        KubeJsonContext.Register();
        config.DisableHttp2 = true;
        config.UserAgent = userAgent ?? DefaultUserAgent;

        var previousSetup = config.FirstMessageHandlerSetup;
        config.FirstMessageHandlerSetup = handler =>
        {
            handler.ConnectTimeout = TimeSpan.FromSeconds(10);
            handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90);
            handler.AutomaticDecompression = System.Net.DecompressionMethods.GZip;
            previousSetup?.Invoke(handler);
        };
        return new k8s.Kubernetes(config, new ApiRequestHandler(requestTimeout ?? TimeSpan.FromSeconds(30), config.TokenProvider as ServiceAccountToken));
    }
}

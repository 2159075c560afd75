using k8s;

namespace Flamewatch.Kubernetes.Client;

/// <summary>Builds the official client the way Flamewatch runs it.</summary>
public static class KubeClients
{
    /// <summary>
    /// An <see cref="IKubernetes"/> over <paramref name="config"/>: HTTP/1.1 (one connection per watch, so watches never
    /// queue behind an HTTP/2 stream limit and a broken connection breaks one watch), requests other than watches time out
    /// after <paramref name="requestTimeout"/> (30 s by default), 429 answers are retried after their Retry-After, and in
    /// cluster a 401 re-reads the service-account token (see <see cref="ServiceAccountToken"/>).
    /// </summary>
    public static IKubernetes Create(KubernetesClientConfiguration config, TimeSpan? requestTimeout = null, string? userAgent = null)
    {
        config.DisableHttp2 = true;
        if (userAgent is not null)
        {
            config.UserAgent = userAgent;
        }

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

using System.Security.Cryptography.X509Certificates;

namespace Flamewatch.Kubernetes.Config;

/// <summary>Everything needed to reach one API server, resolved from a kubeconfig or the in-cluster environment.</summary>
public sealed class KubeClientConfig
{
    public required Uri Server { get; init; }

    /// <summary>The context's namespace, or the service account's; "default" when neither says.</summary>
    public string Namespace { get; init; } = "default";

    public IKubeTokenSource? Tokens { get; init; }

    /// <summary>Trusted CAs for the server certificate; null = the system store.</summary>
    public X509Certificate2Collection? CaCertificates { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    public string? TlsServerName { get; init; }

    /// <summary>Timeout of ordinary requests (watches have none beyond their headers).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where this configuration came from, for logs and errors (e.g. "kubeconfig /home/u/.kube/config, context dev").</summary>
    public string Source { get; init; } = "";

    /// <summary>Loads the standard way: KUBECONFIG (merged), then ~/.kube/config, then in-cluster.</summary>
    /// <exception cref="KubeConfigException">Nothing usable was found; the message names every place tried.</exception>
    public static KubeClientConfig Load(string? context = null) => new KubeConfigLoader(KubeConfigEnvironment.System, TimeProvider.System).Load(context);

    /// <summary>Loads one explicit kubeconfig file.</summary>
    public static KubeClientConfig FromFile(string path, string? context = null) =>
        new KubeConfigLoader(KubeConfigEnvironment.System, TimeProvider.System).LoadFiles([path], context);
}

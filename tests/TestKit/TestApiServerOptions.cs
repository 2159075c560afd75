namespace Flamewatch.TestKit;

/// <summary>Settings of a <see cref="TestApiServer"/>; the defaults mirror kube-apiserver where it matters.</summary>
public sealed class TestApiServerOptions
{
    /// <summary>How many events the server remembers for watch resumption (older resourceVersions get 410 Expired).</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>How often bookmark-enabled watches get a BOOKMARK (kube-apiserver: about once a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a list continue token stays valid (etcd compaction: about 5 minutes).</summary>
    public TimeSpan ContinueTokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Creating an object in a namespace that does not exist answers 404, as on a real cluster.</summary>
    public bool RequireNamespaces { get; init; } = true;

    /// <summary>The bearer token the generated kubeconfig carries; null = no authentication.</summary>
    public string? Token { get; init; } = "flamewatch-test-token";

    /// <summary>Where to write the kubeconfig; null = a temporary file deleted on dispose.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>Serve HTTPS with a fresh self-signed certificate (kubectl sends bearer tokens only over TLS).</summary>
    public bool UseTls { get; init; } = true;

    /// <summary>Fixed port (0 = any free port).</summary>
    public int Port { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

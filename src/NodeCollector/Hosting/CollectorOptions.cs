namespace Flamewatch.NodeCollector.Hosting;

/// <summary>
/// Settings of <c>flamewatch-collector run</c> (configuration section <c>Collector</c>; the command-line flags of
/// <see cref="RunCommand"/> set them). Defaults are the production defaults.
/// </summary>
internal sealed class CollectorOptions
{
    public const string Section = "Collector";

    /// <summary>The keys that are durations (see <see cref="Flamewatch.Hosting.ExecutableHost.NormalizeDurations"/>).</summary>
    public static readonly IReadOnlyList<string> Durations = [nameof(RescanInterval), nameof(AttachTimeout), nameof(StopTimeout), nameof(ShutdownDrainTimeout)];

    /// <summary>The node this collector serves (<c>NODE_NAME</c> from the downward API, <c>fieldRef: spec.nodeName</c>).</summary>
    public string? NodeName { get; set; }

    /// <summary>Where profiles go: <c>http://host:port</c> or <c>unix:///path.sock</c>.</summary>
    public string? Agent { get; set; }

    public AgentProtocol AgentProtocol { get; set; } = AgentProtocol.Datadog;

    /// <summary>Bearer token for the agent (environment variable <c>FLAMEWATCH_TOKEN</c>).</summary>
    public string? Token { get; set; }

    /// <summary>A kubeconfig file; unset: KUBECONFIG, then ~/.kube/config, then the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Port of <c>/healthz</c> and <c>/metrics</c> (0: any free port).</summary>
    public int Port { get; set; } = 9090;

    /// <summary>Address the health and metrics port listens on.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>How often the node's processes are scanned even when no pod changed (finds new and exited processes).</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The host's process file system (the DaemonSet runs with hostPID).</summary>
    public string ProcRoot { get; set; } = "/proc";

    /// <summary>Time allowed to connect to one process and start its EventPipe session.</summary>
    public TimeSpan AttachTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Time allowed to stop one session (build and hand over its last partial period).</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At shutdown, time allowed for queued uploads to go out.</summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

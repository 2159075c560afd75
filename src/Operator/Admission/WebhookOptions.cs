namespace Flamewatch.Operator.Admission;

/// <summary>
/// The pod admission webhook (configuration section <c>Webhook</c>; flags <c>--webhook</c>, <c>--webhook-port</c>,
/// <c>--webhook-certificates</c>). Off unless enabled: the Helm chart enables it together with its Service and
/// MutatingWebhookConfiguration.
/// </summary>
internal sealed class WebhookOptions
{
    public const string Section = "Webhook";

    public const string SelfSigned = "self-signed";

    public const string External = "external";

    public bool Enabled { get; set; }

    /// <summary>HTTPS port the API server calls.</summary>
    public int Port { get; set; } = 9443;

    /// <summary>Address to listen on (all interfaces by default).</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// <c>self-signed</c>: the operator keeps a CA and serving certificate in <see cref="SecretName"/> and the leader writes
    /// the CA bundle into <see cref="ConfigurationName"/>. <c>external</c>: another tool (cert-manager) writes both; the
    /// operator only reads the Secret.
    /// </summary>
    public string Certificates { get; set; } = SelfSigned;

    /// <summary>The kubernetes.io/tls Secret holding tls.crt, tls.key and ca.crt (and ca.key when self-signed).</summary>
    public string SecretName { get; set; } = "flamewatch-webhook-tls";

    /// <summary>Namespace of the Secret; unset: the operator's own namespace.</summary>
    public string? SecretNamespace { get; set; }

    /// <summary>The Service in front of the webhook; its DNS names go into the serving certificate.</summary>
    public string ServiceName { get; set; } = "flamewatch-webhook";

    /// <summary>Further DNS names or IP addresses the certificate must cover (comma-separated), e.g. for a URL-addressed webhook.</summary>
    public string? AdditionalNames { get; set; }

    /// <summary>The MutatingWebhookConfiguration whose CA bundle the leader keeps current.</summary>
    public string ConfigurationName { get; set; } = "flamewatch-operator";

    /// <summary>How often the Secret is re-read (and renewed when due).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest an admission may take before the pod is admitted unchanged (the API server's own timeout is longer).</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(1);
}

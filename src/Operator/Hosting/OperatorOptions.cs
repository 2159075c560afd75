namespace Flamewatch.Operator.Hosting;

/// <summary>
/// flamewatch-operator settings (configuration section <c>Operator</c>; command-line flags <c>--kubeconfig</c>,
/// <c>--namespace</c>, <c>--leader-elect</c>, <c>--lease-namespace</c>, <c>--max-concurrent-reconciles</c>;
/// health and metrics listen on <c>--urls</c>, default <c>http://0.0.0.0:8081</c>).
/// </summary>
internal sealed class OperatorOptions
{
    public const string Section = "Operator";

    /// <summary>A kubeconfig file; unset: KUBECONFIG, then ~/.kube/config, then the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Only reconcile ContinuousProfiles (and watch pods) of this namespace; unset: all namespaces.</summary>
    public string? Namespace { get; set; }

    public bool LeaderElection { get; set; } = true;

    public string LeaseName { get; set; } = "flamewatch-operator";

    /// <summary>Namespace of the Lease; unset: the operator's own namespace (service account or kubeconfig context).</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>This replica's name in the Lease; unset: host name plus a random suffix.</summary>
    public string? Identity { get; set; }

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    public int MaxConcurrentReconciles { get; set; } = 2;
}

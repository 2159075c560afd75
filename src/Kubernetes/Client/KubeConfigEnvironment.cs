namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// Where <see cref="KubeConfiguration.Load"/> looks: environment variables, the home directory (for
/// <c>~/.kube/config</c>) and the service-account directory (for in-cluster credentials). <see cref="Process"/> is the
/// running process's; tests register their own (see <c>AddKubernetesClient</c>).
/// </summary>
public sealed record KubeConfigEnvironment
{
    /// <summary>The mount point of the pod's service-account token, CA bundle and namespace.</summary>
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The running process's environment, home directory and service-account mount.</summary>
    public static KubeConfigEnvironment Process { get; } = new();

    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    public string? HomeDirectory { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public string ServiceAccountDirectory { get; init; } = DefaultServiceAccountDirectory;
}

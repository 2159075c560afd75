namespace Flamewatch.E2E.Tests;

/// <summary>
/// Where the end-to-end tests can run: the cluster KUBECONFIG names (its nodes must be able to pull the
/// images named by FLAMEWATCH_E2E_IMAGE_REGISTRY / FLAMEWATCH_E2E_IMAGE_TAG), or a k3s started in the
/// local Docker engine, into which freshly built images are loaded. Neither → the tests skip, saying why.
/// </summary>
internal static class ClusterEnvironment
{
    private static readonly Lazy<(ClusterKind Kind, string Reason)> Detected = new(Detect);

    public static ClusterKind Kind => Detected.Value.Kind;

    public static string SkipReason => Detected.Value.Reason;

    private static (ClusterKind, string) Detect()
    {
        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(kubeconfig))
        {
            var version = Shell.Run(Shell.Tool("kubectl"), ["version", "--request-timeout=5s", "-o", "json"], TimeSpan.FromSeconds(15));
            return version.ExitCode == 0 && version.StdOut.Contains("serverVersion", StringComparison.Ordinal)
                ? (ClusterKind.Existing, string.Empty)
                : (ClusterKind.None, $"KUBECONFIG={kubeconfig} is set but its cluster does not answer: {version.Output.Trim()}");
        }

        var docker = Shell.Run("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(15));
        if (docker.ExitCode == 0 && docker.StdOut.Trim().Length > 0)
        {
            return (ClusterKind.K3sInDocker, string.Empty);
        }

        return (ClusterKind.None, "no cluster: KUBECONFIG is not set and no Docker engine answers to start k3s in (" +
            (docker.Output.Trim().Split('\n').FirstOrDefault() ?? "docker not found") + ")");
    }
}

internal enum ClusterKind
{
    None,
    Existing,
    K3sInDocker,
}

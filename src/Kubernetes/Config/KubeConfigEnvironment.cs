namespace Flamewatch.Kubernetes.Config;

/// <summary>The seams of configuration loading: environment variables, home directory, service-account directory.</summary>
public sealed class KubeConfigEnvironment
{
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static KubeConfigEnvironment System { get; } = new();

    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    public string? HomeDirectory { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public string ServiceAccountDirectory { get; init; } = DefaultServiceAccountDirectory;
}

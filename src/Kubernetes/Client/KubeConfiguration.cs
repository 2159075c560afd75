using k8s;
using k8s.Exceptions;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// Finds the client configuration the way kubectl does, with the official client's loaders (kubeconfig merge, exec and
/// OIDC credentials, in-cluster service account): an explicit file, else <c>KUBECONFIG</c> (a path list, merged, first
/// definition wins), else <c>~/.kube/config</c>, else the in-cluster service account. Unlike
/// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/> it never falls back to <c>http://localhost:8080</c>:
/// finding nothing is a <see cref="KubeConfigException"/> naming every place tried.
/// </summary>
public static class KubeConfiguration
{
    /// <summary>The message every executable prints, before what was tried, when it finds no Kubernetes configuration.</summary>
    public const string NoConfigurationMessage = "no usable Kubernetes configuration";

    /// <exception cref="KubeConfigException">Nothing usable was found, or the configuration found is invalid.</exception>
    public static KubernetesClientConfiguration Load(string? kubeconfigPath = null, Func<string, string?>? environment = null, string? homeDirectory = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        homeDirectory ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        try
        {
            if (!string.IsNullOrEmpty(kubeconfigPath))
            {
                return FromFile(kubeconfigPath, $"--kubeconfig {kubeconfigPath}");
            }

            var tried = new List<string>();
            var variable = environment("KUBECONFIG");
            if (!string.IsNullOrWhiteSpace(variable))
            {
                var files = variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(File.Exists).ToList();
                if (files.Count > 0)
                {
                    // Several files are merged by the client's default loader (first definition wins), which reads KUBECONFIG itself.
                    return files.Count == 1 ? FromFile(files[0], $"KUBECONFIG {variable}") : Checked(KubernetesClientConfiguration.BuildDefaultConfig(), $"KUBECONFIG {variable}");
                }

                tried.Add($"KUBECONFIG={variable} (no such file)");
            }
            else
            {
                tried.Add("KUBECONFIG (unset)");
            }

            var home = string.IsNullOrEmpty(homeDirectory) ? null : Path.Combine(homeDirectory, ".kube", "config");
            if (home is not null && File.Exists(home))
            {
                return FromFile(home, home);
            }

            tried.Add($"{home ?? "~/.kube/config"} (absent)");
            if (!string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST")) && KubernetesClientConfiguration.IsInCluster())
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }

            tried.Add("in-cluster service account (KUBERNETES_SERVICE_HOST unset or no token)");
            throw new KubeConfigException($"{NoConfigurationMessage}: tried {string.Join(", ", tried)}");
        }
        catch (Exception exception) when (exception is not KubeConfigException || !exception.Message.StartsWith(NoConfigurationMessage, StringComparison.Ordinal))
        {
            throw new KubeConfigException($"{NoConfigurationMessage}: {exception.Message}", exception);
        }
    }

    private static KubernetesClientConfiguration FromFile(string path, string source) =>
        Checked(KubernetesClientConfiguration.BuildConfigFromConfigFile(path), source);

    private static KubernetesClientConfiguration Checked(KubernetesClientConfiguration config, string source) =>
        string.IsNullOrEmpty(config.Host) ? throw new KubeConfigException($"{source}: the current context names no server") : config;
}

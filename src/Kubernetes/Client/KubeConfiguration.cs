using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// Finds the client configuration the way kubectl does, with the official client's credentials (exec and OIDC) over
/// kubeconfig files read by <see cref="KubeConfigFile"/>: an explicit file, else <c>KUBECONFIG</c> (a path list, merged, first definition wins), else
/// <c>~/.kube/config</c>, else the in-cluster service account. Unlike
/// <see cref="KubernetesClientConfiguration.BuildDefaultConfig"/> it never falls back to <c>http://localhost:8080</c>:
/// finding nothing is a <see cref="KubeConfigException"/> naming every place tried. In cluster, the token is a
/// <see cref="ServiceAccountToken"/>, re-read after a 401.
/// </summary>
public static class KubeConfiguration
{
    /// <summary>The message every executable prints, before what was tried, when it finds no Kubernetes configuration.</summary>
    public const string NoConfigurationMessage = "no usable Kubernetes configuration";

    /// <exception cref="KubeConfigException">Nothing usable was found, or the configuration found is invalid.</exception>
    public static KubernetesClientConfiguration Load(string? kubeconfigPath = null, KubeConfigEnvironment? environment = null)
    {
        environment ??= KubeConfigEnvironment.Process;
        KubeJsonContext.Register();
        try
        {
            if (!string.IsNullOrEmpty(kubeconfigPath))
            {
                return FromFiles([kubeconfigPath], $"kubeconfig {kubeconfigPath}");
            }

            var tried = new List<string>();
            var variable = environment.GetVariable("KUBECONFIG");
            if (!string.IsNullOrWhiteSpace(variable))
            {
                var files = variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(File.Exists).ToList();
                if (files.Count > 0)
                {
                    return FromFiles(files, $"kubeconfig {string.Join(Path.PathSeparator, files)}");
                }

                tried.Add($"KUBECONFIG={variable} (no such file)");
            }
            else
            {
                tried.Add("KUBECONFIG (not set)");
            }

            var home = string.IsNullOrEmpty(environment.HomeDirectory) ? null : Path.Combine(environment.HomeDirectory, ".kube", "config");
            if (home is not null && File.Exists(home))
            {
                return FromFiles([home], $"kubeconfig {home}");
            }

            tried.Add($"{home ?? "~/.kube/config"} (no such file)");
            if (InCluster(environment) is { } inCluster)
            {
                return inCluster;
            }

            tried.Add(string.IsNullOrEmpty(environment.GetVariable("KUBERNETES_SERVICE_HOST")) || string.IsNullOrEmpty(environment.GetVariable("KUBERNETES_SERVICE_PORT"))
                ? "in-cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set)"
                : $"in-cluster (no service-account token at {Path.Combine(environment.ServiceAccountDirectory, "token")})");
            throw new KubeConfigException(
                $"{NoConfigurationMessage}: no Kubernetes configuration found; tried: {string.Join("; ", tried)}. Set KUBECONFIG, create ~/.kube/config, or run inside a pod.");
        }
        catch (Exception exception) when (exception is not KubeConfigException || !exception.Message.StartsWith(NoConfigurationMessage, StringComparison.Ordinal))
        {
            throw new KubeConfigException($"{NoConfigurationMessage}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// The official client's in-cluster configuration (API server from <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>, CA and
    /// namespace from the service-account directory), read from <paramref name="environment"/> rather than the process,
    /// with a token that is re-read after a 401; null when not in a cluster.
    /// </summary>
    private static KubernetesClientConfiguration? InCluster(KubeConfigEnvironment environment)
    {
        var host = environment.GetVariable("KUBERNETES_SERVICE_HOST");
        var port = environment.GetVariable("KUBERNETES_SERVICE_PORT");
        var directory = environment.ServiceAccountDirectory;
        var token = Path.Combine(directory, "token");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port) || !File.Exists(token))
        {
            return null;
        }

        var ca = Path.Combine(directory, "ca.crt");
        var ns = Path.Combine(directory, "namespace");
        return new KubernetesClientConfiguration
        {
            Host = new UriBuilder("https", host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)).Uri.ToString().TrimEnd('/'),
            TokenProvider = new ServiceAccountToken(token),
            SslCaCerts = File.Exists(ca) ? LoadPem(ca) : null,
            Namespace = File.Exists(ns) ? File.ReadAllText(ns).Trim() : null,
        };
    }

    private static K8SConfiguration Merge(K8SConfiguration first, K8SConfiguration next)
    {
        first.CurrentContext = string.IsNullOrEmpty(first.CurrentContext) ? next.CurrentContext : first.CurrentContext;
        first.Clusters = Union(first.Clusters, next.Clusters, c => c.Name);
        first.Users = Union(first.Users, next.Users, u => u.Name);
        first.Contexts = Union(first.Contexts, next.Contexts, c => c.Name);
        return first;
    }

    private static List<T> Union<T>(IEnumerable<T>? first, IEnumerable<T>? next, Func<T, string> name) =>
        [.. (first ?? []).Concat(next ?? []).DistinctBy(name, StringComparer.Ordinal)];

    /// <summary>The current context's user when it authenticates with an exec credential plugin.</summary>
    private static string? ExecUser(K8SConfiguration config)
    {
        var context = config.Contexts?.FirstOrDefault(c => c.Name == config.CurrentContext)?.ContextDetails;
        var user = config.Users?.FirstOrDefault(u => u.Name == context?.User);
        return user?.UserCredentials?.ExternalExecution is null ? null : user.Name;
    }

    private static X509Certificate2Collection LoadPem(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    private static KubernetesClientConfiguration FromFiles(IReadOnlyList<string> paths, string source)
    {
        KubernetesClientConfiguration config;
        try
        {
            // Each file is read (relative paths resolve against the file), then merged as kubectl merges KUBECONFIG: the
            // first file to set a value or to define a named cluster, user or context wins.
            var merged = paths.Select(KubeConfigFile.Read).Aggregate(Merge);
            if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported && ExecUser(merged) is { } execUser)
            {
                // The official client writes the plugin's input (KUBERNETES_EXEC_INFO) by reflection.
                throw new KubeConfigException(
                    $"{source}: user '{execUser}' runs an exec credential plugin, which this Native AOT build cannot run; use a token, a client certificate or the in-cluster service account");
            }

            config = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged);
        }
        catch (Exception exception) when (exception is not KubeConfigException)
        {
            throw new KubeConfigException($"{source}: {exception.Message}", exception);
        }

        return string.IsNullOrEmpty(config.Host) ? throw new KubeConfigException($"{source}: the current context names no server") : config;
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Flamewatch.Kubernetes.Config;

/// <summary>
/// Resolves a <see cref="KubeClientConfig"/> in client-go's order: the KUBECONFIG path list (merged; the first file
/// to define a name wins), else ~/.kube/config, else the in-cluster service account. Never falls back to localhost.
/// </summary>
internal sealed class KubeConfigLoader(KubeConfigEnvironment environment, TimeProvider timeProvider)
{
    public KubeClientConfig Load(string? context = null)
    {
        var tried = new List<string>();
        var kubeconfig = environment.GetVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(kubeconfig))
        {
            var paths = kubeconfig.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
            var existing = paths.Where(File.Exists).ToList();
            if (existing.Count > 0)
            {
                return LoadFiles(existing, context);
            }

            tried.Add($"KUBECONFIG={kubeconfig} (no such file)");
        }
        else
        {
            tried.Add("KUBECONFIG (not set)");
        }

        if (!string.IsNullOrEmpty(environment.HomeDirectory))
        {
            var home = Path.Combine(environment.HomeDirectory, ".kube", "config");
            if (File.Exists(home))
            {
                return LoadFiles([home], context);
            }

            tried.Add($"{home} (no such file)");
        }

        var host = environment.GetVariable("KUBERNETES_SERVICE_HOST");
        var port = environment.GetVariable("KUBERNETES_SERVICE_PORT");
        if (!string.IsNullOrEmpty(host) && !string.IsNullOrEmpty(port))
        {
            return LoadInCluster(host, port);
        }

        tried.Add("in-cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set)");
        throw new KubeConfigException("no Kubernetes configuration found; tried: " + string.Join("; ", tried) +
            ". Set KUBECONFIG, create ~/.kube/config, or run inside a pod.");
    }

    public KubeClientConfig LoadInCluster(string host, string port)
    {
        var dir = environment.ServiceAccountDirectory;
        var tokenPath = Path.Combine(dir, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException($"in-cluster configuration: KUBERNETES_SERVICE_HOST is set but the service-account token {tokenPath} does not exist (automountServiceAccountToken: false?)");
        }

        var ns = environment.GetVariable("POD_NAMESPACE");
        var nsPath = Path.Combine(dir, "namespace");
        if (string.IsNullOrEmpty(ns) && File.Exists(nsPath))
        {
            ns = File.ReadAllText(nsPath).Trim();
        }

        var caPath = Path.Combine(dir, "ca.crt");
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return new KubeClientConfig
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            Namespace = string.IsNullOrEmpty(ns) ? "default" : ns,
            Tokens = new FileTokenSource(tokenPath, timeProvider),
            CaCertificates = File.Exists(caPath) ? LoadCertificates(File.ReadAllText(caPath), caPath) : null,
            Source = $"in-cluster service account ({dir})",
        };
    }

    public KubeClientConfig LoadFiles(IReadOnlyList<string> paths, string? contextName)
    {
        var clusters = new Dictionary<string, ClusterConfig>();
        var users = new Dictionary<string, UserConfig>();
        var contexts = new Dictionary<string, ContextConfig>();
        string? current = null;
        var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
        foreach (var path in paths)
        {
            KubeConfigFile? file;
            try
            {
                file = deserializer.Deserialize<KubeConfigFile>(File.ReadAllText(path));
            }
            catch (YamlException e)
            {
                throw new KubeConfigException($"kubeconfig {path} is not valid YAML: {e.Message}", e);
            }
            catch (IOException e)
            {
                throw new KubeConfigException($"kubeconfig {path} cannot be read: {e.Message}", e);
            }

            if (file is null)
            {
                continue;
            }

            var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            current ??= string.IsNullOrEmpty(file.CurrentContext) ? null : file.CurrentContext;
            foreach (var c in file.Clusters ?? [])
            {
                if (c.Cluster is not null && clusters.TryAdd(c.Name, c.Cluster))
                {
                    c.Cluster.BaseDirectory = dir;
                }
            }

            foreach (var u in file.Users ?? [])
            {
                if (u.User is not null && users.TryAdd(u.Name, u.User))
                {
                    u.User.BaseDirectory = dir;
                }
            }

            foreach (var c in file.Contexts ?? [])
            {
                if (c.Context is not null)
                {
                    contexts.TryAdd(c.Name, c.Context);
                }
            }
        }

        var files = string.Join(Path.PathSeparator, paths);
        var name = contextName ?? current ?? throw new KubeConfigException($"kubeconfig {files} has no current-context and none was given");
        if (!contexts.TryGetValue(name, out var context))
        {
            throw new KubeConfigException($"kubeconfig {files} has no context \"{name}\"");
        }

        if (context.Cluster is null || !clusters.TryGetValue(context.Cluster, out var cluster))
        {
            throw new KubeConfigException($"kubeconfig {files}: context \"{name}\" refers to cluster \"{context.Cluster}\", which is not defined");
        }

        if (string.IsNullOrEmpty(cluster.Server) || !Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server))
        {
            throw new KubeConfigException($"kubeconfig {files}: cluster \"{context.Cluster}\" has no valid server URL (\"{cluster.Server}\")");
        }

        UserConfig? user = null;
        if (!string.IsNullOrEmpty(context.User) && !users.TryGetValue(context.User, out user))
        {
            throw new KubeConfigException($"kubeconfig {files}: context \"{name}\" refers to user \"{context.User}\", which is not defined");
        }

        return new KubeClientConfig
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(context.Namespace) ? "default" : context.Namespace,
            CaCertificates = LoadCa(cluster),
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = cluster.TlsServerName,
            Tokens = user is null ? null : TokenSource(user),
            ClientCertificate = user is null ? null : ClientCertificate(user),
            Source = $"kubeconfig {files}, context {name}",
        };
    }

    private IKubeTokenSource? TokenSource(UserConfig user)
    {
        if (!string.IsNullOrEmpty(user.Token))
        {
            return new StaticTokenSource(user.Token);
        }

        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            return new FileTokenSource(Resolve(user.BaseDirectory, user.TokenFile), timeProvider);
        }

        if (user.Exec is not null && !string.IsNullOrEmpty(user.Exec.Command))
        {
            return new ExecTokenSource(user.Exec, user.BaseDirectory, timeProvider);
        }

        return null;
    }

    private static X509Certificate2? ClientCertificate(UserConfig user)
    {
        var cert = ReadPem(user.ClientCertificateData, user.ClientCertificate, user.BaseDirectory, "client-certificate");
        var key = ReadPem(user.ClientKeyData, user.ClientKey, user.BaseDirectory, "client-key");
        if (cert is null && key is null)
        {
            return null;
        }

        if (cert is null || key is null)
        {
            throw new KubeConfigException("kubeconfig user has a client certificate without a key, or a key without a certificate");
        }

        try
        {
            return X509Certificate2.CreateFromPem(cert, key);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"kubeconfig client certificate/key cannot be loaded: {e.Message}", e);
        }
    }

    private static X509Certificate2Collection? LoadCa(ClusterConfig cluster)
    {
        var pem = ReadPem(cluster.CertificateAuthorityData, cluster.CertificateAuthority, cluster.BaseDirectory, "certificate-authority");
        return pem is null ? null : LoadCertificates(pem, "certificate-authority");
    }

    private static X509Certificate2Collection LoadCertificates(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"{what} is not a PEM certificate: {e.Message}", e);
        }

        return collection;
    }

    private static string? ReadPem(string? base64Data, string? path, string baseDirectory, string what)
    {
        if (!string.IsNullOrEmpty(base64Data))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(base64Data));
            }
            catch (FormatException e)
            {
                throw new KubeConfigException($"kubeconfig {what}-data is not valid base64", e);
            }
        }

        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var full = Resolve(baseDirectory, path);
        try
        {
            return File.ReadAllText(full);
        }
        catch (IOException e)
        {
            throw new KubeConfigException($"kubeconfig {what} {full} cannot be read: {e.Message}", e);
        }
    }

    private static string Resolve(string baseDirectory, string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(baseDirectory, path));
}

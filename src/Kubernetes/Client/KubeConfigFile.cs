using System.Globalization;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.RepresentationModel;

namespace Flamewatch.Kubernetes.Client;

/// <summary>
/// Reads one kubeconfig file into the official client's <see cref="K8SConfiguration"/>, field by field over YamlDotNet's
/// representation model. The client's own loader binds the YAML by reflection over every type of its assembly, which a
/// trimmed Native AOT build (the collector) cannot do; this reader needs no reflection. It reads what the client uses:
/// <c>current-context</c>, clusters (server, CA file or data, TLS server name, insecure-skip-tls-verify), users (token,
/// client certificate and key as files or data, basic auth, impersonation, <c>exec</c> and <c>auth-provider</c>) and
/// contexts (cluster, user, namespace); preferences and extensions are not read. Relative paths resolve against the file.
/// </summary>
internal static class KubeConfigFile
{
    /// <exception cref="KubeConfigException">The file does not exist.</exception>
    /// <exception cref="YamlDotNet.Core.YamlException">The file is not YAML.</exception>
    /// <exception cref="FormatException">A field has the wrong shape (a list where a mapping belongs, a bad boolean).</exception>
    public static K8SConfiguration Read(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new KubeConfigException($"kubeconfig file not found at {file.FullName}");
        }

        var yaml = new YamlStream();
        using (var reader = file.OpenText())
        {
            yaml.Load(reader);
        }

        var root = yaml.Documents.Count == 0 ? null : Mapping(yaml.Documents[0].RootNode, "the document");
        return new K8SConfiguration
        {
            FileName = file.FullName,
            ApiVersion = Text(root, "apiVersion"),
            Kind = Text(root, "kind"),
            CurrentContext = Text(root, "current-context"),
            Clusters = List(root, "clusters", node => new Cluster
            {
                Name = Text(node, "name"),
                ClusterEndpoint = Child(node, "cluster") is { } cluster
                    ? new ClusterEndpoint
                    {
                        Server = Text(cluster, "server"),
                        CertificateAuthority = Text(cluster, "certificate-authority"),
                        CertificateAuthorityData = Text(cluster, "certificate-authority-data"),
                        TlsServerName = Text(cluster, "tls-server-name"),
                        SkipTlsVerify = Flag(cluster, "insecure-skip-tls-verify"),
                    }
                    : null,
            }),
            Users = List(root, "users", node => new User
            {
                Name = Text(node, "name"),
                UserCredentials = Child(node, "user") is { } user ? Credentials(user) : null,
            }),
            Contexts = List(root, "contexts", node => new Context
            {
                Name = Text(node, "name"),
                ContextDetails = Child(node, "context") is { } context
                    ? new ContextDetails { Cluster = Text(context, "cluster"), User = Text(context, "user"), Namespace = Text(context, "namespace") }
                    : null,
            }),
        };
    }

    private static UserCredentials Credentials(YamlMappingNode user) => new()
    {
        Token = Text(user, "token"),
        ClientCertificate = Text(user, "client-certificate"),
        ClientCertificateData = Text(user, "client-certificate-data"),
        ClientKey = Text(user, "client-key"),
        ClientKeyData = Text(user, "client-key-data"),
        UserName = Text(user, "username"),
        Password = Text(user, "password"),
        Impersonate = Text(user, "as"),
        ImpersonateGroups = Strings(user, "as-groups"),
        ImpersonateUserExtra = Dictionary(user, "as-user-extra"),
        AuthProvider = Child(user, "auth-provider") is { } provider
            ? new AuthProvider { Name = Text(provider, "name"), Config = Dictionary(provider, "config") }
            : null,
        ExternalExecution = Child(user, "exec") is { } exec
            ? new ExternalExecution
            {
                ApiVersion = Text(exec, "apiVersion"),
                Command = Text(exec, "command"),
                Arguments = Strings(exec, "args"),
                EnvironmentVariables = List(exec, "env", Dictionary),
                InstallHint = Text(exec, "installHint"),
                ProvideClusterInfo = Flag(exec, "provideClusterInfo"),
            }
            : null,
    };

    private static YamlNode? Value(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) && !IsNull(value) ? value : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string? Text(YamlMappingNode? node, string key) => Value(node, key) switch
    {
        null => null,
        YamlScalarNode scalar => scalar.Value,
        var other => throw new FormatException($"{key}: expected a value, found {Describe(other)} at {other.Start}"),
    };

    private static bool Flag(YamlMappingNode? node, string key) => Text(node, key) switch
    {
        null => false,
        var text when bool.TryParse(text, out var flag) => flag,
        var text => throw new FormatException($"{key}: '{text}' is neither true nor false"),
    };

    private static YamlMappingNode? Child(YamlMappingNode? node, string key) => Value(node, key) is { } value ? Mapping(value, key) : null;

    private static YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw new FormatException($"{what}: expected a mapping, found {Describe(node)} at {node.Start}");

    private static List<T> List<T>(YamlMappingNode? node, string key, Func<YamlMappingNode, T> item) => Value(node, key) switch
    {
        null => [],
        YamlSequenceNode sequence => [.. sequence.Children.Select(child => item(Mapping(child, key)))],
        var other => throw new FormatException($"{key}: expected a list, found {Describe(other)} at {other.Start}"),
    };

    private static List<string> Strings(YamlMappingNode? node, string key) => Value(node, key) switch
    {
        null => [],
        YamlSequenceNode sequence => [.. sequence.Children.Select(child => (child as YamlScalarNode)?.Value
            ?? throw new FormatException($"{key}: expected a list of values, found {Describe(child)} at {child.Start}"))],
        var other => throw new FormatException($"{key}: expected a list, found {Describe(other)} at {other.Start}"),
    };

    private static Dictionary<string, string> Dictionary(YamlMappingNode node) =>
        node.Children.ToDictionary(
            pair => (pair.Key as YamlScalarNode)?.Value ?? throw new FormatException($"expected a name, found {Describe(pair.Key)} at {pair.Key.Start}"),
            pair => (pair.Value as YamlScalarNode)?.Value ?? "",
            StringComparer.Ordinal);

    private static Dictionary<string, string> Dictionary(YamlMappingNode? node, string key) => Child(node, key) is { } child ? Dictionary(child) : [];

    private static string Describe(YamlNode node) => node.NodeType.ToString().ToLower(CultureInfo.InvariantCulture);
}

using Flamewatch.Kubernetes.Client;
using k8s;
using k8s.Exceptions;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>The kubeconfig reader (no reflection): every field the official client uses, as its own loader read them.</summary>
public sealed class KubeConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flamewatch-kubeconfig-").FullName;

    [Fact]
    public void Every_field_the_client_uses_is_read()
    {
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            current-context: dev
            preferences: {}
            clusters:
            - name: c
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority: ca.crt
                tls-server-name: api.internal
                insecure-skip-tls-verify: true
                extensions: [{name: x, extension: {a: 1}}]
            - name: d
              cluster: {server: "https://d:443", certificate-authority-data: Q0E=}
            users:
            - name: u
              user:
                client-certificate: certs/client.crt
                client-key: certs/client.key
                token: t0k
                username: admin
                password: secret
                as: someone
                as-groups: [g1, g2]
                as-user-extra: {scopes: view}
                auth-provider: {name: oidc, config: {client-id: k, idp-issuer-url: "https://issuer"}}
            - name: e
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: get-token
                  args: [--cluster, c]
                  env: [{name: REGION, value: eu}]
                  installHint: install it
                  provideClusterInfo: true
            contexts:
            - name: dev
              context: {cluster: c, user: u, namespace: team-a}
            - name: empty
              context: ~
            """);

        var config = KubeConfigFile.Read(path);

        Assert.Equal(Path.GetFullPath(path), config.FileName);
        Assert.Equal(("v1", "Config", "dev"), (config.ApiVersion, config.Kind, config.CurrentContext));
        var c = config.Clusters.First(x => x.Name == "c").ClusterEndpoint;
        Assert.Equal(("https://10.0.0.1:6443", "ca.crt", "api.internal", true), (c.Server, c.CertificateAuthority, c.TlsServerName, c.SkipTlsVerify));
        Assert.Equal("Q0E=", config.Clusters.First(x => x.Name == "d").ClusterEndpoint.CertificateAuthorityData);
        var u = config.Users.First(x => x.Name == "u").UserCredentials;
        Assert.Equal(("certs/client.crt", "certs/client.key", "t0k"), (u.ClientCertificate, u.ClientKey, u.Token));
        Assert.Equal(("admin", "secret", "someone"), (u.UserName, u.Password, u.Impersonate));
        Assert.Equal(["g1", "g2"], u.ImpersonateGroups);
        Assert.Equal("view", u.ImpersonateUserExtra["scopes"]);
        Assert.Equal(("oidc", "https://issuer"), (u.AuthProvider.Name, u.AuthProvider.Config["idp-issuer-url"]));
        var exec = config.Users.First(x => x.Name == "e").UserCredentials.ExternalExecution;
        Assert.Equal(("client.authentication.k8s.io/v1", "get-token", "install it", true), (exec.ApiVersion, exec.Command, exec.InstallHint, exec.ProvideClusterInfo));
        Assert.Equal(["--cluster", "c"], exec.Arguments);
        Assert.Equal("eu", Assert.Single(exec.EnvironmentVariables)["value"]);
        var dev = config.Contexts.First(x => x.Name == "dev").ContextDetails;
        Assert.Equal(("c", "u", "team-a"), (dev.Cluster, dev.User, dev.Namespace));
        Assert.Null(config.Contexts.First(x => x.Name == "empty").ContextDetails);
    }

    [Fact]
    public void The_client_builds_its_configuration_from_it()
    {
        File.WriteAllText(Path.Combine(_dir, "config"), """
            current-context: dev
            clusters: [{name: c, cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: t0k}}]
            contexts: [{name: dev, context: {cluster: c, user: u, namespace: team-a}}]
            """);

        var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeConfigFile.Read(Path.Combine(_dir, "config")));

        Assert.Equal(("https://10.0.0.1:6443", "t0k", "team-a", true), (config.Host, config.AccessToken, config.Namespace, config.SkipTlsVerify));
    }

    [Theory]
    [InlineData("clusters: {name: c}", "clusters: expected a list")]
    [InlineData("clusters: [{name: c, cluster: {insecure-skip-tls-verify: sometimes}}]", "'sometimes' is neither true nor false")]
    [InlineData("users: [{name: u, user: {token: [a]}}]", "token: expected a value")]
    public void A_field_of_the_wrong_shape_names_the_field(string yaml, string message)
    {
        var path = Path.Combine(_dir, "bad");
        File.WriteAllText(path, yaml);

        var error = Assert.Throws<FormatException>(() => KubeConfigFile.Read(path));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_kubeconfig_error() =>
        Assert.Throws<KubeConfigException>(() => KubeConfigFile.Read(Path.Combine(_dir, "missing")));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

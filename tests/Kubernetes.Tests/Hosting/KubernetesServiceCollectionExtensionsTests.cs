using Flamewatch.Kubernetes.Client;
using Flamewatch.Kubernetes.Hosting;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Flamewatch.Kubernetes.Tests.Hosting;

/// <summary>
/// How the operator and the collector get their client: <c>--kubeconfig</c>, else <c>KUBECONFIG</c> (merged), else
/// <c>~/.kube/config</c>, else the in-cluster service account, else a clear error. Each test injects its own environment.
/// </summary>
public sealed class KubernetesServiceCollectionExtensionsTests : ServerTestBase, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flamewatch-hosting-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ServiceAccountDirectory => Path.Combine(_dir, "serviceaccount");

    private static Task<k8s.Models.V1PodList> ListPodsAsync(ServiceProvider provider, CancellationToken cancellationToken) =>
        provider.GetRequiredService<IKubernetes>().CoreV1.ListNamespacedPodAsync("default", cancellationToken: cancellationToken);

    [Fact]
    public async Task The_kubeconfig_flag_names_the_cluster_the_client_talks_to()
    {
        await CreatePodAsync(NewPod("web-1"));
        await using var provider = Services(kubeconfig: Server.KubeconfigPath);

        var pods = await ListPodsAsync(provider, Timeout);

        Assert.Equal("web-1", Assert.Single(pods.Items).Metadata.Name);
    }

    [Fact]
    public async Task Without_the_flag_KUBECONFIG_is_used()
    {
        await using var provider = Services(kubeconfig: null, variables: new() { ["KUBECONFIG"] = Server.KubeconfigPath });

        var pods = await ListPodsAsync(provider, Timeout);

        Assert.Empty(pods.Items);
    }

    [Fact]
    public async Task A_KUBECONFIG_list_is_merged_and_the_first_definition_wins()
    {
        var first = Path.Combine(_dir, "first.yaml");
        var second = Path.Combine(_dir, "sub", "second.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(second)!);
        await File.WriteAllTextAsync(first, """
            apiVersion: v1
            kind: Config
            current-context: test
            contexts:
            - name: test
              context: {cluster: test, user: test, namespace: team-a}
            """, Timeout);
        var ca = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Server.CaCertificatePem!));
        await File.WriteAllTextAsync(second, $"""
            apiVersion: v1
            kind: Config
            current-context: other
            clusters:
            - name: test
              cluster: {"{"}server: "{Server.Url}", certificate-authority-data: {ca}{"}"}
            users:
            - name: test
              user: {"{"}token: flamewatch-test-token{"}"}
            - name: nobody
              user: {"{"}token: wrong{"}"}
            contexts:
            - name: test
              context: {"{"}cluster: test, user: nobody{"}"}
            """, Timeout);
        await using var provider = Services(kubeconfig: null, variables: new() { ["KUBECONFIG"] = $"{first}:{Path.Combine(_dir, "missing.yaml")}:{second}" });

        Assert.Equal("team-a", provider.GetRequiredService<KubernetesClientConfiguration>().Namespace);
        Assert.Empty((await ListPodsAsync(provider, Timeout)).Items);
    }

    [Fact]
    public async Task Home_kube_config_is_used_when_KUBECONFIG_is_unset()
    {
        Directory.CreateDirectory(Path.Combine(_dir, ".kube"));
        File.Copy(Server.KubeconfigPath, Path.Combine(_dir, ".kube", "config"));
        await using var provider = Services(kubeconfig: null);

        Assert.Empty((await ListPodsAsync(provider, Timeout)).Items);
    }

    [Fact]
    public async Task In_cluster_the_rotated_service_account_token_is_re_read_after_a_401()
    {
        Directory.CreateDirectory(ServiceAccountDirectory);
        await File.WriteAllTextAsync(Path.Combine(ServiceAccountDirectory, "token"), "token-1", Timeout);
        await File.WriteAllTextAsync(Path.Combine(ServiceAccountDirectory, "ca.crt"), Server.CaCertificatePem!, Timeout);
        await File.WriteAllTextAsync(Path.Combine(ServiceAccountDirectory, "namespace"), "team-a", Timeout);
        Server.SetTokens("token-1");
        await using var provider = Services(kubeconfig: null, variables: new()
        {
            ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_PORT"] = Server.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Equal("team-a", provider.GetRequiredService<KubernetesClientConfiguration>().Namespace);
        await ListPodsAsync(provider, Timeout);

        // The kubelet rotates the projected token; the old one stops working at once.
        await File.WriteAllTextAsync(Path.Combine(ServiceAccountDirectory, "token"), "token-2", Timeout);
        Server.SetTokens("token-2");
        await ListPodsAsync(provider, Timeout);

        var lists = Server.Requests.Count(r => r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal));
        Assert.Equal(3, lists); // one success, one 401, one retry with the re-read token
    }

    [Fact]
    public async Task A_401_that_a_token_re_read_cannot_fix_is_reported_once()
    {
        Directory.CreateDirectory(ServiceAccountDirectory);
        await File.WriteAllTextAsync(Path.Combine(ServiceAccountDirectory, "token"), "token-1", Timeout);
        await File.WriteAllTextAsync(Path.Combine(ServiceAccountDirectory, "ca.crt"), Server.CaCertificatePem!, Timeout);
        Server.SetTokens("someone-else");
        await using var provider = Services(kubeconfig: null, variables: new()
        {
            ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_PORT"] = Server.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => ListPodsAsync(provider, Timeout));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.Response.StatusCode);
        Assert.Single(Server.Requests, r => r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Service_account_token_is_re_read_every_minute_and_keeps_the_last_good_one()
    {
        var path = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(path, "one", Timeout);
        var time = new ManualTime();
        var token = new ServiceAccountToken(path, time);
        Assert.Equal("one", (await token.GetAuthenticationHeaderAsync(Timeout)).Parameter);

        await File.WriteAllTextAsync(path, "two", Timeout);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("one", (await token.GetAuthenticationHeaderAsync(Timeout)).Parameter);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("two", (await token.GetAuthenticationHeaderAsync(Timeout)).Parameter);

        File.Delete(path);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("two", (await token.GetAuthenticationHeaderAsync(Timeout)).Parameter);
        Assert.False(token.Refresh());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task An_exec_credential_plugin_authenticates()
    {
        var script = Path.Combine(_dir, "plugin.sh");
        await File.WriteAllTextAsync(script, """
            #!/bin/sh
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"flamewatch-test-token"}}'
            """, Timeout);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var ca = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Server.CaCertificatePem!));
        var path = Path.Combine(_dir, "exec.yaml");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            current-context: c
            clusters:
            - name: c
              cluster: {"{"}server: "{Server.Url}", certificate-authority-data: {ca}{"}"}
            users:
            - name: u
              user:
                exec: {"{"}apiVersion: client.authentication.k8s.io/v1, command: {script}{"}"}
            contexts:
            - name: c
              context: {"{"}cluster: c, user: u{"}"}
            """, Timeout);
        await using var provider = Services(kubeconfig: path);

        Assert.Empty((await ListPodsAsync(provider, Timeout)).Items);
    }

    [Fact]
    public async Task No_configuration_anywhere_is_one_clear_error_naming_what_was_tried()
    {
        await using var provider = Services(kubeconfig: null);

        var error = Assert.Throws<KubeConfigException>(() => provider.GetRequiredService<IKubernetes>());

        Assert.StartsWith("no usable Kubernetes configuration: no Kubernetes configuration found; tried: KUBECONFIG (not set); ", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir, ".kube", "config"), error.Message, StringComparison.Ordinal);
        Assert.Contains("in-cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_cluster_without_a_token_names_the_token_path()
    {
        await using var provider = Services(kubeconfig: null, variables: new() { ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" });

        var error = Assert.Throws<KubeConfigException>(() => provider.GetRequiredService<IKubernetes>());

        Assert.Contains($"in-cluster (no service-account token at {Path.Combine(ServiceAccountDirectory, "token")})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_kubeconfig_is_a_clear_error_naming_the_file()
    {
        var path = Path.Combine(_dir, "broken.yaml");
        await File.WriteAllTextAsync(path, "clusters: [", Timeout);
        await using var provider = Services(kubeconfig: path);

        var error = Assert.Throws<KubeConfigException>(() => provider.GetRequiredService<IKubernetes>());

        Assert.StartsWith($"no usable Kubernetes configuration: kubeconfig {path}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_registered_first_is_kept()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(Client);
        services.AddKubernetesClient(_ => "/nonexistent/kubeconfig");
        await using var provider = services.BuildServiceProvider();

        Assert.Same(Client, provider.GetRequiredService<IKubernetes>());
    }

    /// <summary>A container whose configuration environment has no variables but <paramref name="variables"/>, an empty home and service-account directory.</summary>
    private ServiceProvider Services(string? kubeconfig, Dictionary<string, string>? variables = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new KubeConfigEnvironment
        {
            GetVariable = name => variables?.GetValueOrDefault(name),
            HomeDirectory = _dir,
            ServiceAccountDirectory = ServiceAccountDirectory,
        });
        services.AddKubernetesClient(_ => kubeconfig);
        return services.BuildServiceProvider();
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

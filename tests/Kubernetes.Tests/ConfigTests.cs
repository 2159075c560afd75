using Flamewatch.Kubernetes.Config;
using Flamewatch.Kubernetes.Rest;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

public sealed class ConfigTests : ServerTestBase, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flamewatch-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private KubeConfigEnvironment Env(Dictionary<string, string> vars, string? home = null) => new()
    {
        GetVariable = name => vars.GetValueOrDefault(name),
        HomeDirectory = home ?? Path.Combine(_dir, "home"),
        ServiceAccountDirectory = Path.Combine(_dir, "sa"),
    };

    [Fact]
    public void No_configuration_is_a_clear_error_naming_what_was_tried()
    {
        var error = Assert.Throws<KubeConfigException>(() => new KubeConfigLoader(Env([]), TimeProvider.System).Load());
        Assert.Contains("KUBECONFIG", error.Message);
        Assert.Contains(Path.Combine(_dir, "home", ".kube", "config"), error.Message);
        Assert.Contains("KUBERNETES_SERVICE_HOST", error.Message);
    }

    [Fact]
    public async Task Merged_kubeconfig_list_first_file_wins_and_relative_token_file_resolves()
    {
        var first = Path.Combine(_dir, "first.yaml");
        var second = Path.Combine(_dir, "sub", "second.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(second)!);
        await File.WriteAllTextAsync(Path.Combine(_dir, "sub", "token"), "flamewatch-test-token\n", Timeout);
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
              user: {"{"}tokenFile: token{"}"}
            contexts:
            - name: test
              context: {"{"}cluster: test, user: nobody{"}"}
            """, Timeout);
        var config = new KubeConfigLoader(Env(new() { ["KUBECONFIG"] = $"{first}:{Path.Combine(_dir, "missing.yaml")}:{second}" }), TimeProvider.System).Load();
        Assert.Equal("team-a", config.Namespace);
        using var client = new KubeApiClient(config);
        Assert.NotEmpty((await client.Resource<Models.GenericObject>(ResourceType.Namespaces).ListAsync(null, cancellationToken: Timeout)).Items);
    }

    [Fact]
    public async Task In_cluster_token_rotation_is_picked_up_after_a_401()
    {
        var sa = Path.Combine(_dir, "sa");
        Directory.CreateDirectory(sa);
        await File.WriteAllTextAsync(Path.Combine(sa, "token"), "token-1", Timeout);
        await File.WriteAllTextAsync(Path.Combine(sa, "ca.crt"), Server.CaCertificatePem!, Timeout);
        await File.WriteAllTextAsync(Path.Combine(sa, "namespace"), "default", Timeout);
        Server.SetTokens("token-1");
        var config = new KubeConfigLoader(Env(new() { ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1", ["KUBERNETES_SERVICE_PORT"] = Server.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }), TimeProvider.System).Load();
        using var client = new KubeApiClient(config);
        await client.Pods().ListAsync("default", cancellationToken: Timeout);

        // The kubelet rotates the projected token; the old one stops working.
        await File.WriteAllTextAsync(Path.Combine(sa, "token"), "token-2", Timeout);
        Server.SetTokens("token-2");
        await client.Pods().ListAsync("default", cancellationToken: Timeout);

        var lastAuthorized = Server.Requests.Count(r => r.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal));
        Assert.Equal(3, lastAuthorized); // one success, one 401, one retry with the re-read token
    }

    [Fact]
    public async Task Token_file_is_re_read_every_minute()
    {
        var path = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(path, "one", Timeout);
        var time = new ManualTimeProvider();
        var source = new FileTokenSource(path, time);
        Assert.Equal("one", await source.GetTokenAsync(Timeout));
        await File.WriteAllTextAsync(path, "two", Timeout);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("one", await source.GetTokenAsync(Timeout));
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("two", await source.GetTokenAsync(Timeout));
        File.Delete(path);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("two", await source.GetTokenAsync(Timeout)); // keeps the last good token
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Exec_plugin_token_authenticates()
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
                exec: {"{"}apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh{"}"}
            contexts:
            - name: c
              context: {"{"}cluster: c, user: u{"}"}
            """, Timeout);
        using var client = new KubeApiClient(KubeClientConfig.FromFile(path));
        await client.Pods().ListAsync("default", cancellationToken: Timeout);
    }
}

internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

using Flamewatch.TestKit.Processes;

namespace Flamewatch.E2E.Tests;

/// <summary>
/// A real cluster for the end-to-end tests, shared by the test class: either the one KUBECONFIG names or a
/// k3s server started in Docker (removed again on dispose), with Flamewatch's images available to it.
/// </summary>
public sealed class Cluster : IDisposable
{
    private const string K3sImage = "rancher/k3s:v1.31.4-k3s1";
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    private readonly string? _k3sContainer;
    private readonly string _scratch = Directory.CreateTempSubdirectory("flamewatch-e2e-").FullName;

    public Cluster()
    {
        if (ClusterEnvironment.Kind == ClusterKind.None)
        {
            return;
        }

        ImageRegistry = Environment.GetEnvironmentVariable("FLAMEWATCH_E2E_IMAGE_REGISTRY") ?? "flamewatch";
        ImageTag = Environment.GetEnvironmentVariable("FLAMEWATCH_E2E_IMAGE_TAG") ?? "e2e";
        if (ClusterEnvironment.Kind == ClusterKind.Existing)
        {
            Kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG")!;
            return;
        }

        _k3sContainer = "flamewatch-e2e-k3s-" + Guid.NewGuid().ToString("N")[..8];
        Require(Shell.Run("docker", ["run", "-d", "--name", _k3sContainer, "--privileged", "-p", "127.0.0.1::6443", K3sImage, "server", "--disable=traefik,metrics-server"], Long));
        var port = Require(Shell.Run("docker", ["port", _k3sContainer, "6443/tcp"], TimeSpan.FromSeconds(30))).Trim().Split(':')[^1];
        Kubeconfig = Path.Combine(_scratch, "kubeconfig");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var config = Shell.Run("docker", ["exec", _k3sContainer, "cat", "/etc/rancher/k3s/k3s.yaml"], TimeSpan.FromSeconds(30));
            if (config.ExitCode == 0 && config.StdOut.Contains("server:", StringComparison.Ordinal))
            {
                File.WriteAllText(Kubeconfig, config.StdOut.Replace("https://127.0.0.1:6443", $"https://127.0.0.1:{port}", StringComparison.Ordinal));
                if (Kubectl("get", "nodes").ExitCode == 0)
                {
                    break;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("k3s did not become ready: " + config.Output);
            }

            Thread.Sleep(2000);
        }

        foreach (var (component, dockerfile) in new[]
        {
            ("operator", "src/Operator/Dockerfile"),
            ("collector", "src/NodeCollector/Dockerfile"),
            ("agent", "src/Agent/Dockerfile"),
            ("demo-app", "tests/E2E.Tests/DemoApp.Dockerfile"),
        })
        {
            var image = $"{ImageRegistry}/{component}:{ImageTag}";
            Require(Shell.Run("docker", ["build", "-f", dockerfile, "-t", image, "."], Long));
            var archive = Path.Combine(_scratch, component + ".tar");
            Require(Shell.Run("docker", ["save", "-o", archive, image], Long));
            Require(Shell.Run("docker", ["cp", archive, $"{_k3sContainer}:/tmp/{component}.tar"], Long));
            Require(Shell.Run("docker", ["exec", _k3sContainer, "ctr", "images", "import", $"/tmp/{component}.tar"], Long));
        }
    }

    public string Kubeconfig { get; } = string.Empty;

    public string ImageRegistry { get; } = string.Empty;

    public string ImageTag { get; } = string.Empty;

    internal CommandResult Kubectl(params string[] arguments) =>
        Shell.Run(Shell.Tool("kubectl"), arguments, TimeSpan.FromMinutes(5), environment: new Dictionary<string, string?> { ["KUBECONFIG"] = Kubeconfig });

    internal CommandResult KubectlApply(string yaml) =>
        Shell.Run(Shell.Tool("kubectl"), ["apply", "-f", "-"], TimeSpan.FromMinutes(2), yaml, new Dictionary<string, string?> { ["KUBECONFIG"] = Kubeconfig });

    internal CommandResult Helm(params string[] arguments) =>
        Shell.Run(Shell.Tool("helm"), arguments, TimeSpan.FromMinutes(10), environment: new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = Kubeconfig,
            ["HELM_CACHE_HOME"] = Path.Combine(_scratch, "helm-cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(_scratch, "helm-config"),
            ["HELM_DATA_HOME"] = Path.Combine(_scratch, "helm-data"),
        });

    public void Dispose()
    {
        if (_k3sContainer is not null)
        {
            Shell.Run("docker", ["rm", "-f", _k3sContainer], TimeSpan.FromMinutes(1));
        }

        Directory.Delete(_scratch, recursive: true);
    }

    internal static string Require(CommandResult result) =>
        result.ExitCode == 0 ? result.StdOut : throw new InvalidOperationException(result.Output);
}

using Flamewatch.TestKit.Processes;
using Testcontainers.K3s;

namespace Flamewatch.E2E.Tests;

/// <summary>
/// A real cluster for the end-to-end tests, shared by the test class: either the one KUBECONFIG names or a
/// k3s server started in the local Docker engine through Testcontainers.K3s (removed again on dispose), with Flamewatch's images available to it.
/// </summary>
public sealed class Cluster : IDisposable
{
    private const string K3sImage = "rancher/k3s:v1.31.4-k3s1";
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    private readonly string? _k3sContainer;
    private readonly K3sContainer? _k3s;
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

        // k3s through Testcontainers.K3s: it waits for the API server and hands out a kubeconfig for the mapped port.
        _k3s = new K3sBuilder(K3sImage).WithCommand("--disable=traefik,metrics-server").Build();
        _k3s.StartAsync().GetAwaiter().GetResult();
        Kubeconfig = Path.Combine(_scratch, "kubeconfig");
        File.WriteAllText(Kubeconfig, _k3s.GetKubeconfigAsync().GetAwaiter().GetResult());
        _k3sContainer = _k3s.Name.TrimStart('/');

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
        _k3s?.DisposeAsync().AsTask().GetAwaiter().GetResult();

        Directory.Delete(_scratch, recursive: true);
    }

    internal static string Require(CommandResult result) =>
        result.ExitCode == 0 ? result.StdOut : throw new InvalidOperationException(result.Output);
}

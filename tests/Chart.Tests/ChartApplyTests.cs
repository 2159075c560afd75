using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Chart.Tests;

/// <summary>The rendered chart applied with the real kubectl to the test API server, as `helm template | kubectl apply` would on a cluster.</summary>
public sealed class ChartApplyTests : IAsyncLifetime
{
    private TestApiServer _server = null!;

    public async Task InitializeAsync() => _server = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Rendered_chart_and_its_CRD_apply_cleanly_and_a_second_apply_changes_nothing()
    {
        var manifests = Path.Combine(Path.GetTempPath(), $"flamewatch-chart-{Guid.NewGuid():N}.yaml");
        try
        {
            var chart = await Helm.TemplateAsync("agent.token.enabled=true", "agent.token.value=s3cret");
            await File.WriteAllTextAsync(manifests, chart.Text);
            Assert.Equal(0, (await KubectlAsync("create", "namespace", "flamewatch")).ExitCode);

            var crds = await KubectlAsync("apply", "-f", Path.Combine(Helm.Chart, "crds"));
            Assert.True(crds.ExitCode == 0, crds.Output);
            var first = await KubectlAsync("apply", "-f", manifests);
            Assert.True(first.ExitCode == 0, first.Output);
            Assert.Equal(chart.Documents.Count, first.StdOut.Split('\n').Count(l => l.EndsWith(" created", StringComparison.Ordinal)));

            var second = await KubectlAsync("apply", "-f", manifests);
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Equal(chart.Documents.Count, second.StdOut.Split('\n').Count(l => l.EndsWith(" unchanged", StringComparison.Ordinal)));

            var daemonSet = await KubectlAsync("get", "daemonset", "-n", "flamewatch", "fw-flamewatch-collector", "-o", "jsonpath={.spec.template.spec.hostPID}");
            Assert.Equal("true", daemonSet.StdOut);
            var sample = await KubectlAsync("apply", "-n", "default", "-f", Path.Combine(RepositoryFiles.Root, "config", "samples", "flamewatch.io_v1alpha1_continuousprofile.yaml"));
            Assert.True(sample.ExitCode == 0, sample.Output);
        }
        finally
        {
            File.Delete(manifests);
        }
    }

    private Task<CommandResult> KubectlAsync(params string[] arguments) =>
        Command.RunAsync(RepositoryFiles.Tool("kubectl"), arguments, new Dictionary<string, string?> { ["KUBECONFIG"] = _server.KubeconfigPath });
}

using System.Net;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>flamewatch-operator as a real process: --help, one-line configuration errors with exit code 2, probes and metrics.</summary>
public sealed class ExecutableTests
{
    [Theory]
    [InlineData("--bogus", "'--bogus'")]
    [InlineData("--max-concurrent-reconciles many", "--max-concurrent-reconciles")]
    [InlineData("--leader-elect maybe", "--leader-elect")]
    [InlineData("--max-concurrent-reconciles 0", "MaxConcurrentReconciles")]
    public async Task A_bad_option_is_one_line_naming_it_and_exit_code_2(string arguments, string expected)
    {
        await using var api = await TestApiServer.StartAsync();
        var result = await Executable.RunAsync("flamewatch-operator.dll", ["--kubeconfig", api.KubeconfigPath, "--urls", "http://127.0.0.1:0", .. arguments.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("flamewatch-operator: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_flags_and_exits_0()
    {
        var result = await Executable.RunAsync("flamewatch-operator.dll", ["--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--leader-elect", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("--kubeconfig", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probes_and_metrics_answer_once_the_caches_synced()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var harness = await OperatorHarness.StartAsync(timeout.Token);
        var url = new Uri($"http://127.0.0.1:{Loopback.FreePort()}");

        var answers = await Executable.ProbeAsync(
            "flamewatch-operator.dll", ["--kubeconfig", harness.Server.KubeconfigPath, "--urls", url.ToString(), "--leader-elect=false"], url, null, timeout.Token);

        Assert.Equal(HttpStatusCode.OK, answers.Healthz);
        Assert.Equal(HttpStatusCode.OK, answers.Readyz);
        Assert.Equal(HttpStatusCode.OK, answers.MetricsStatus);
        Assert.StartsWith("text/plain; version=0.0.4", answers.MetricsContentType, StringComparison.Ordinal);
        Assert.Contains("controller_runtime_reconcile_total{controller=", answers.Metrics, StringComparison.Ordinal);
    }
}

using System.Net;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.NodeCollector.Tests.Hosting;

/// <summary>flamewatch-collector as a real process: --help, one-line configuration errors with exit code 2, probes and metrics.</summary>
public sealed class ExecutableTests
{
    [Theory]
    [InlineData("run --bogus", "'--bogus'")]
    [InlineData("run --port many", "--port")]
    [InlineData("run --rescan-interval 7d", "--rescan-interval: \"7d\" is not a duration")]
    [InlineData("profile --pid 1 --output profile.pb.gz --period 7d", "--period: \"7d\" is not a duration")]
    [InlineData("collect", "'collect'")]
    public async Task A_bad_option_is_one_line_naming_it_and_exit_code_2(string arguments, string expected)
    {
        var result = await Executable.RunAsync("flamewatch-collector.dll", arguments.Split(' '));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("flamewatch-collector: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help", "run")]
    [InlineData("run --help", "--rescan-interval")]
    public async Task Help_lists_the_commands_and_flags_and_exits_0(string arguments, string expected)
    {
        var result = await Executable.RunAsync("flamewatch-collector.dll", arguments.Split(' '));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probes_and_metrics_answer_once_the_pod_cache_synced()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var api = await TestApiServer.StartAsync(cancellationToken: timeout.Token);
        var port = Loopback.FreePort();

        var answers = await Executable.ProbeAsync(
            "flamewatch-collector.dll",
            ["run", "--agent", "http://127.0.0.1:9", "--kubeconfig", api.KubeconfigPath, "--node-name", "node-1", "--bind-address", "127.0.0.1", "--port", $"{port}"],
            new Uri($"http://127.0.0.1:{port}"),
            null,
            timeout.Token);

        Assert.Equal(HttpStatusCode.OK, answers.Healthz);
        Assert.Equal(HttpStatusCode.OK, answers.Readyz);
        Assert.Equal(HttpStatusCode.OK, answers.MetricsStatus);
        Assert.StartsWith("text/plain; version=0.0.4", answers.MetricsContentType, StringComparison.Ordinal);
        Assert.Contains("flamewatch_collector_sessions_active 0", answers.Metrics, StringComparison.Ordinal);
    }
}

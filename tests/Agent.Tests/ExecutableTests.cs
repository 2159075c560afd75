using System.Net;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Agent.Tests;

/// <summary>flamewatch-agent as a real process: --help, one-line configuration errors with exit code 2, probes and metrics.</summary>
public sealed class ExecutableTests
{
    [Theory]
    [InlineData("--bogus", "'--bogus'")]
    [InlineData("--max-body-bytes abc", "--max-body-bytes")]
    [InlineData("--retention 7d", "--retention: \"7d\" is not a duration")]
    [InlineData("--retention -1h", "--retention must be positive (was -1h)")]
    [InlineData("--max-body-bytes 10", "--max-body-bytes must be between 1 KiB and 1 GiB")]
    public async Task A_bad_option_is_one_line_naming_it_and_exit_code_2(string arguments, string expected)
    {
        var dataDir = Directory.CreateTempSubdirectory("flamewatch-agent-").FullName;
        var result = await Executable.RunAsync("flamewatch-agent.dll", ["--urls", "http://127.0.0.1:0", "--data-dir", dataDir, .. arguments.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("flamewatch-agent: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_flags_and_exits_0()
    {
        var result = await Executable.RunAsync("flamewatch-agent.dll", ["--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--retention", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("--data-dir", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probes_answer_and_metrics_count_uploads()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await AgentProcess.StartAsync(timeout.Token, ["--retention", "168h"]);
        using var rejected = await agent.Client.PostAsync(new Uri("/profiling/v1/input", UriKind.Relative), new StringContent("not multipart"), timeout.Token);

        using var health = await agent.Client.GetAsync(new Uri("/healthz", UriKind.Relative), timeout.Token);
        using var ready = await agent.Client.GetAsync(new Uri("/readyz", UriKind.Relative), timeout.Token);
        using var metrics = await agent.Client.GetAsync(new Uri("/metrics", UriKind.Relative), timeout.Token);
        var text = await metrics.Content.ReadAsStringAsync(timeout.Token);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", metrics.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.False(rejected.IsSuccessStatusCode);
        Assert.Contains("flamewatch_agent_uploads_total{path=\"/profiling/v1/input\",result=\"rejected\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("flamewatch_agent_uploads_total{path=\"/profiling/v1/input\",result=\"accepted\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("flamewatch_agent_profiles_stored_total 0\n", text, StringComparison.Ordinal);
    }
}

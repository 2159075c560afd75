using Flamewatch.NodeCollector.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Tests.Hosting;

/// <summary>Startup validation of <c>flamewatch-collector run</c>: every problem named at once, with what to do.</summary>
public sealed class CollectorOptionsTests
{
    [Fact]
    public void Valid_defaults_with_a_node_and_an_agent_pass()
    {
        var result = new CollectorOptionsValidator().Validate(null, new CollectorOptions { NodeName = "node-a", Agent = "unix:///var/run/flamewatch/agent.sock" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Reports_every_bad_setting_at_once()
    {
        var result = new CollectorOptionsValidator().Validate(null, new CollectorOptions
        {
            Agent = "ftp://agent",
            Port = 70_000,
            Kubeconfig = "/nonexistent/kubeconfig",
            RescanInterval = TimeSpan.FromMilliseconds(10),
            ProcRoot = "/nonexistent/proc",
        });

        Assert.True(result.Failed);
        var failures = string.Join("\n", result.Failures!);
        Assert.Contains("NODE_NAME", failures);
        Assert.Contains("--agent 'ftp://agent'", failures);
        Assert.Contains("--port", failures);
        Assert.Contains("--kubeconfig", failures);
        Assert.Contains("--rescan-interval", failures);
        Assert.Contains("--proc-root", failures);
    }

    [Theory]
    [InlineData("http://agent:8126", true)]
    [InlineData("https://agent.example.com", true)]
    [InlineData("unix:///var/run/datadog/apm.socket", true)]
    [InlineData("unix://relative.sock", false)]
    [InlineData("agent:8126", false)]
    [InlineData("tcp://agent:8126", false)]
    public void Agent_addresses_are_http_or_an_absolute_unix_socket(string address, bool valid) =>
        Assert.Equal(valid, CollectorOptionsValidator.AgentAddressError(address) is null);

    [Theory]
    [InlineData("1m30s", 90)]
    [InlineData("250ms", 0.25)]
    [InlineData("00:00:05", 5)]
    public async Task Durations_take_the_go_syntax_whichever_binder_reads_them(string value, double seconds)
    {
        // The Native AOT build's source-generated binder parses TimeSpan itself: the host rewrites durations first.
        await using var app = CollectorHost.Build(new Dictionary<string, string?>
        {
            ["Collector:NodeName"] = "node-a",
            ["Collector:Agent"] = "http://127.0.0.1:8126",
            ["Collector:StopTimeout"] = value,
            ["Collector:RescanInterval"] = "2s",
        });

        var options = app.Services.GetRequiredService<IOptions<CollectorOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RescanInterval);
    }

    [Fact]
    public void A_bad_duration_is_the_binder_s_error_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CollectorHost.Build(new Dictionary<string, string?> { ["Collector:AttachTimeout"] = "soon" }));

        Assert.StartsWith("Failed to convert configuration value 'soon' at 'Collector:AttachTimeout' to type 'System.TimeSpan'.", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a duration", error.InnerException?.Message, StringComparison.Ordinal);
    }
}

using Flamewatch.NodeCollector.Hosting;

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
}

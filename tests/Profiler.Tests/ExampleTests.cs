using Flamewatch.TestKit.Processes;

namespace Flamewatch.ProfilerTests;

/// <summary>The quick-start example (examples/QuickStart) run as a real program against a real agent.</summary>
public sealed class ExampleTests
{
    [Fact]
    public async Task The_example_uploads_a_profile_of_its_hot_method_with_its_labels()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var agent = await AgentProcess.StartAsync(timeout.Token);

        var (exitCode, output) = await RunExampleAsync(agent.Url, timeout.Token);
        Assert.True(exitCode == 0, $"the example exited with {exitCode}:\n{output}");
        Assert.Contains("uploaded: 1", output, StringComparison.Ordinal);

        var applications = await agent.ApplicationsAsync(timeout.Token);
        Assert.True(applications.TryGetValue("my-dotnet-app", out var application), $"the agent lists my-dotnet-app; it lists {string.Join(", ", applications.Keys)}");
        Assert.Equal("data", Assert.Single(application.Labels["my-extra-label"]));
        Assert.Equal(Environment.Version.ToString(), Assert.Single(application.Labels["runtime_version"]));

        var cpu = await agent.FlameGraphAsync("my-dotnet-app", "type=cpu-time/nanoseconds&my-extra-label=data", timeout.Token);
        var foo = FlameGraph.Inclusive(cpu.GetProperty("root"), $"{nameof(Example)}.{nameof(Example.Foo)}");
        var total = FlameGraph.Total(cpu);
        // Foo spins on the main thread for 3 s of wall time: most of the program's CPU time. On an idle core that is
        // about 3 s of CPU; on a machine shared with other jobs the thread gets less of a core, never more.
        Assert.True(foo > 0.5 * total, $"Foo has {foo} ns of {total} ns CPU");
        Assert.InRange(foo / 1e9, 0.25, 4.5);
    }

    [Fact]
    public async Task The_example_runs_to_its_end_when_no_agent_listens()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (exitCode, output) = await RunExampleAsync($"http://127.0.0.1:{Loopback.FreePort()}", timeout.Token);
        Assert.True(exitCode == 0, $"the example exited with {exitCode}:\n{output}");
        Assert.Contains("profiles collected: 1, uploaded: 0, dropped: 1", output, StringComparison.Ordinal);
        Assert.Contains("last error:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_runs_to_its_end_when_its_process_cannot_be_profiled()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (exitCode, output) = await RunExampleAsync($"http://127.0.0.1:{Loopback.FreePort()}", timeout.Token,
            new Dictionary<string, string?> { ["DOTNET_EnableDiagnostics"] = "0" });
        Assert.True(exitCode == 0, $"the example exited with {exitCode}:\n{output}");
        Assert.Contains("profiles collected: 0, uploaded: 0, dropped: 0", output, StringComparison.Ordinal);
        Assert.Contains("diagnostic socket", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunExampleAsync(string agentAddress, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            [ProfilerOptions.AgentAddressVariable] = agentAddress,
            [ProfilerOptions.ApplicationNameVariable] = null,
        };
        var result = await Command.RunAsync(ChildProcess.DotNetHost, [ChildProcess.AssemblyPath("quickstart.dll")], variables,
            timeout: Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        return (result.ExitCode, result.Output);
    }
}

using System.Diagnostics;

namespace Flamewatch.ProfilerTests;

/// <summary>The quick-start example (examples/QuickStart) run as a real program against a real agent.</summary>
public sealed class ExampleTests
{
    [Fact]
    public async Task The_example_uploads_a_profile_of_its_hot_method_with_its_labels()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var agent = await AgentProcess.StartAsync(timeout.Token);

        var (exitCode, output) = await RunExampleAsync(agent.AgentAddress, timeout.Token);
        Assert.True(exitCode == 0, $"the example exited with {exitCode}:\n{output}");
        Assert.Contains("uploaded: 1", output, StringComparison.Ordinal);

        var applications = await agent.ApplicationsAsync(timeout.Token);
        Assert.True(applications.TryGetValue("my-dotnet-app", out var application), $"the agent lists my-dotnet-app; it lists {string.Join(", ", applications.Keys)}");
        var labels = application.GetProperty("labels");
        Assert.Equal("data", Assert.Single(labels.GetProperty("my-extra-label").EnumerateArray()).GetString());
        Assert.Equal(Environment.Version.ToString(), Assert.Single(labels.GetProperty("runtime_version").EnumerateArray()).GetString());

        var cpu = await agent.FlameGraphAsync("my-dotnet-app", "type=cpu-time/nanoseconds&my-extra-label=data", timeout.Token);
        var foo = FlameGraph.Inclusive(cpu.GetProperty("root"), $"{nameof(Example)}.{nameof(Example.Foo)}");
        var total = FlameGraph.Total(cpu);
        // Foo keeps the main thread on a core for 3 s: most of the program's CPU time, about 3 s of it.
        Assert.True(foo > 0.5 * total, $"Foo has {foo} ns of {total} ns CPU");
        Assert.InRange(foo / 1e9, 1.5, 6);
    }

    private static async Task<(int ExitCode, string Output)> RunExampleAsync(string agentAddress, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "quickstart.dll"));
        info.Environment[ProfilerOptions.AgentAddressVariable] = agentAddress;
        info.Environment.Remove(ProfilerOptions.ApplicationNameVariable);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

using System.Diagnostics;

namespace Flamewatch.NodeCollector.Tests.Hosting;

/// <summary>The real executable: bad configuration is a clear message and exit code 2, never a crash or a hang.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Bad_configuration_exits_with_code_2_and_names_each_problem()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "flamewatch-collector.dll"), "run", "--agent", "agent:8126" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("NODE_NAME");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var error = await stderr;
        Assert.Contains("flamewatch-collector:", error);
        Assert.Contains("NODE_NAME", error);
        Assert.Contains("--agent 'agent:8126'", error);
        _ = await stdout;
    }
}

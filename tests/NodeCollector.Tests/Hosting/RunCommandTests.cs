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

    [Fact]
    public async Task Without_any_kubeconfig_the_collector_says_what_it_tried_and_exits_2()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var home = Directory.CreateTempSubdirectory("flamewatch-collector-home-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "flamewatch-collector.dll"), "run", "--agent", "http://127.0.0.1:9", "--port", "0", "--bind-address", "127.0.0.1", "--node-name", "node-1" })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment.Remove("KUBECONFIG");
            start.Environment.Remove("KUBERNETES_SERVICE_HOST");
            start.Environment.Remove("KUBERNETES_SERVICE_PORT");
            start.Environment["HOME"] = home;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(2, process.ExitCode);
            var error = await stderr;
            Assert.Contains(
                "flamewatch-collector: no usable Kubernetes configuration: no Kubernetes configuration found; tried: KUBECONFIG (not set); " + Path.Combine(home, ".kube", "config"),
                error,
                StringComparison.Ordinal);
            _ = await stdout;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}

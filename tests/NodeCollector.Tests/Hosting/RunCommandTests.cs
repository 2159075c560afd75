using System.Diagnostics;

namespace Flamewatch.NodeCollector.Tests.Hosting;

/// <summary>The real executable: bad configuration is a clear message and exit code 2, never a crash or a hang.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Bad_configuration_exits_with_code_2_and_names_each_problem()
    {
        var (exitCode, error, output) = await RunCollectorAsync(["run", "--agent", "agent:8126"], environment => environment.Remove("NODE_NAME"));

        Assert.Equal(2, exitCode);
        AssertNoStackTrace(error, output);
        Assert.Contains("flamewatch-collector:", error);
        Assert.Contains("NODE_NAME", error);
        Assert.Contains("--agent 'agent:8126'", error);
    }

    [Fact]
    public async Task Without_any_kubeconfig_the_collector_says_what_it_tried_and_exits_2()
    {
        var home = Directory.CreateTempSubdirectory("flamewatch-collector-home-").FullName;
        try
        {
            var (exitCode, error, output) = await RunCollectorAsync(
                ["run", "--agent", "http://127.0.0.1:9", "--port", "0", "--bind-address", "127.0.0.1", "--node-name", "node-1"],
                environment =>
                {
                    environment.Remove("KUBECONFIG");
                    environment.Remove("KUBERNETES_SERVICE_HOST");
                    environment.Remove("KUBERNETES_SERVICE_PORT");
                    environment["HOME"] = home;
                });

            Assert.Equal(2, exitCode);
            AssertNoStackTrace(error, output);
            Assert.Contains(
                "flamewatch-collector: no usable Kubernetes configuration: no Kubernetes configuration found; tried: KUBECONFIG (not set); " + Path.Combine(home, ".kube", "config"),
                error,
                StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>A configuration error is one line for a person, not a host failure with a stack trace.</summary>
    private static void AssertNoStackTrace(string error, string output)
    {
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", error + output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Error, string Output)> RunCollectorAsync(string[] args, Action<IDictionary<string, string?>> environment)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "flamewatch-collector.dll"));
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        environment(start.Environment);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr, await stdout);
    }
}

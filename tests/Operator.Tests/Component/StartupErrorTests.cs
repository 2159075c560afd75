using System.Diagnostics;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>The real executable: a missing or broken Kubernetes configuration is one clear line and exit code 2.</summary>
public sealed class StartupErrorTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("flamewatch-operator-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task Without_any_kubeconfig_the_operator_says_what_it_tried_and_exits_2()
    {
        var (exitCode, error) = await RunOperatorAsync();

        Assert.Equal(2, exitCode);
        Assert.StartsWith("flamewatch-operator: no usable Kubernetes configuration: no Kubernetes configuration found; tried: KUBECONFIG (not set); ", error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_home, ".kube", "config"), error, StringComparison.Ordinal);
        Assert.Contains("Set KUBECONFIG, create ~/.kube/config, or run inside a pod.", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_broken_kubeconfig_file_is_named_in_the_error()
    {
        var path = Path.Combine(_home, "broken.yaml");
        await File.WriteAllTextAsync(path, "clusters: [");

        var (exitCode, error) = await RunOperatorAsync("--kubeconfig", path);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"flamewatch-operator: no usable Kubernetes configuration: kubeconfig {path}: ", error, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Error)> RunOperatorAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "flamewatch-operator.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("KUBECONFIG");
        start.Environment.Remove("KUBERNETES_SERVICE_HOST");
        start.Environment.Remove("KUBERNETES_SERVICE_PORT");
        start.Environment["HOME"] = _home;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        _ = await stdout;
        return (process.ExitCode, await stderr);
    }
}

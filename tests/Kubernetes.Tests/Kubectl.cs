using System.Diagnostics;
using Flamewatch.TestKit;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>The real kubectl binary installed by <c>make deps</c> (tools/bin/kubectl).</summary>
internal static class Kubectl
{
    public static readonly string? Path = RepositoryFiles.FindTool("kubectl");

    /// <summary>kubectl's discovery cache for one kubeconfig (per test server), removed by <see cref="CleanUp"/>.</summary>
    private static string CacheDir(string kubeconfig) => kubeconfig + ".kubectl-cache";

    public static void CleanUp(string kubeconfig)
    {
        if (Directory.Exists(CacheDir(kubeconfig)))
        {
            Directory.Delete(CacheDir(kubeconfig), recursive: true);
        }
    }

    public static Process Start(string kubeconfig, params string[] args)
    {
        var start = new ProcessStartInfo(Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["KUBECONFIG"] = kubeconfig;
        // Keep kubectl's discovery cache and any other state out of the user's home.
        start.Environment["KUBECACHEDIR"] = CacheDir(kubeconfig);
        start.Environment["HOME"] = CacheDir(kubeconfig);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string? stdin, CancellationToken cancellationToken, params string[] args)
    {
        using var process = Start(kubeconfig, args);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
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

        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A fact that needs tools/bin/kubectl; skipped with a reason when it is missing.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = "tools/bin/kubectl not found; run `make deps` first";
        }
    }
}

using System.Diagnostics;

namespace Flamewatch.TestKit;

/// <summary>The real kubectl installed by <c>make deps</c> (tools/bin/kubectl), run against a kubeconfig.</summary>
public static class KubectlCli
{
    public static string Path { get; } = RepositoryFiles.PathOf("tools/bin/kubectl");

    public static bool IsInstalled => File.Exists(Path);

    /// <summary>Runs kubectl (stdin optional); its discovery cache lives beside the kubeconfig, away from the user's home.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string? stdin, CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["HOME"] = kubeconfig + ".kubectl-home";
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(kubeconfig + ".kubectl-cache");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, (await stdout.ConfigureAwait(false)).Trim(), (await stderr.ConfigureAwait(false)).Trim());
    }
}

using System.Diagnostics;

namespace Flamewatch.Agent.Tests;

/// <summary>Where the repository, its npm test tools and this project's node scripts are; running node scripts.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string NodeModules => Path.Combine(RepositoryRoot, "tools", "node_modules");

    public static string NodeScripts => Path.Combine(RepositoryRoot, "tests", "Agent.Tests", "node");

    /// <summary>Test artifacts (screenshots) go under the test output directory.</summary>
    public static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    public static void RequireNodeModule(string module)
    {
        if (!Directory.Exists(Path.Combine(NodeModules, module)))
        {
            throw new InvalidOperationException($"{module} is missing from {NodeModules}; run 'make deps' first.");
        }
    }

    /// <summary>Runs <c>node script</c> with the test tools on NODE_PATH; returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunNodeAsync(string script, IDictionary<string, string> environment, CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = NodeScripts };
        start.ArgumentList.Add(Path.Combine(NodeScripts, script));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["NODE_PATH"] = NodeModules;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
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

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (Operator.sln) above " + AppContext.BaseDirectory);
    }
}

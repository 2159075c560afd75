using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.Agent.Tests;

/// <summary>Where the repository, its npm test tools and this project's node scripts are; running node scripts.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot => RepositoryFiles.Root;

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
    public static Task<(int ExitCode, string Output)> RunNodeAsync(string script, IDictionary<string, string> environment, CancellationToken cancellationToken, params string[] args) =>
        RunNodeAsync("node", script, environment, cancellationToken, args);

    /// <summary>Runs <c>script</c> with the given node executable and the test tools on NODE_PATH.</summary>
    public static async Task<(int ExitCode, string Output)> RunNodeAsync(string node, string script, IDictionary<string, string> environment, CancellationToken cancellationToken, params string[] args)
    {
        var variables = environment.ToDictionary(e => e.Key, e => (string?)e.Value);
        variables["NODE_PATH"] = NodeModules;
        var result = await Command.RunAsync(node, [Path.Combine(NodeScripts, script), .. args], variables, NodeScripts, Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        return (result.ExitCode, result.Output);
    }
}

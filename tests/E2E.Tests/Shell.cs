using System.ComponentModel;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.E2E.Tests;

/// <summary>Runs real tools (kubectl, helm, docker) from the repository root with a timeout; never throws for a tool's failure.</summary>
internal static class Shell
{
    /// <summary>kubectl or helm from tools/bin (installed by <c>make deps</c>), else from PATH.</summary>
    public static string Tool(string name) => RepositoryFiles.FindTool(name) ?? name;

    /// <returns>The tool's result; exit code 127 when it is not installed, 124 when it timed out.</returns>
    public static CommandResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? stdin = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        try
        {
            return Command.Run(fileName, arguments, environment, RepositoryFiles.Root, timeout, stdin);
        }
        catch (Win32Exception e)
        {
            return new CommandResult(127, string.Empty, $"{fileName}: {e.Message}");
        }
        catch (TimeoutException e)
        {
            return new CommandResult(124, string.Empty, e.Message);
        }
    }
}

namespace Flamewatch.TestKit.Processes;

/// <summary>Runs <c>flamewatch-collector</c> (built next to the tests) as a real process, as a user would.</summary>
public static class CollectorCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    public static string CollectorPath => ChildProcess.AssemblyPath("flamewatch-collector.dll");

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunCollectorAsync(params string[] args) =>
        RunAsync("dotnet", [CollectorPath, .. args]);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args)
    {
        var result = await Command.RunAsync(file, args, timeout: s_timeout).ConfigureAwait(false);
        return (result.ExitCode, result.StdOut, result.StdErr);
    }
}

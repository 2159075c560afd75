namespace Flamewatch.Profiling.Tests;

/// <summary>Runs <c>flamewatch-collector</c> and external tools as real processes.</summary>
internal static class CollectorCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    public static string CollectorPath => ChildProcess.AssemblyPath("flamewatch-collector.dll");

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunCollectorAsync(params string[] args) =>
        RunAsync("dotnet", [CollectorPath, .. args]);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args)
    {
        var result = await Command.RunAsync(file, args, timeout: s_timeout);
        return (result.ExitCode, result.StdOut, result.StdErr);
    }

    /// <summary>Go's own pprof parser (Debian golang-go): <c>go tool pprof -raw</c> fails on a malformed profile.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> GoPprofRawAsync(string file) =>
        RunAsync("go", ["tool", "pprof", "-raw", file]);
}

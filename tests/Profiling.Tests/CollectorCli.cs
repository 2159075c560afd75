using System.Diagnostics;

namespace Flamewatch.Profiling.Tests;

/// <summary>Runs <c>flamewatch-collector</c> and external tools as real processes.</summary>
internal static class CollectorCli
{
    public static string CollectorPath => Path.Combine(AppContext.BaseDirectory, "flamewatch-collector.dll");

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunCollectorAsync(params string[] args) =>
        RunAsync("dotnet", [CollectorPath, .. args]);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Go's own pprof parser (Debian golang-go): <c>go tool pprof -raw</c> fails on a malformed profile.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> GoPprofRawAsync(string file) =>
        RunAsync("go", ["tool", "pprof", "-raw", file]);
}

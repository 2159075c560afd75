using System.Security.Cryptography;
using System.Text;
using Flamewatch.TestKit.Runtimes;

namespace Flamewatch.TestKit.Processes;

/// <summary>
/// The collector as it ships: <c>dotnet publish src/NodeCollector</c> (a trimmed Native AOT binary for linux-x64; the
/// compiler package restores from NuGet, and linking needs clang and zlib, which <c>make deps</c> installs). Published
/// once into <c>artifacts/collector</c>, keyed by a hash of the sources it is built from, so later runs publish none.
/// </summary>
public static class NativeCollector
{
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static string? s_published;

    /// <summary>
    /// The environment the collector's image sets (the <c>ENV KEY=VALUE</c> lines of <c>src/NodeCollector/Dockerfile</c>,
    /// runtime settings among them): runs of the published binary use it, as the image does.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ImageEnvironment { get; } = ReadImageEnvironment();

    private static Dictionary<string, string> ReadImageEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(RepositoryFiles.PathOf(Path.Combine("src", "NodeCollector", "Dockerfile"))))
        {
            if (line.StartsWith("ENV ", StringComparison.Ordinal) && line[4..].Trim().Split('=', 2) is [var key, var value])
            {
                environment[key] = value;
            }
        }

        return environment;
    }

    /// <summary>The published <c>flamewatch-collector</c> executable (publishing it first if the sources changed).</summary>
    public static async Task<string> ExecutableAsync()
    {
        await s_gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return s_published ??= await PublishAsync().ConfigureAwait(false);
        }
        finally
        {
            s_gate.Release();
        }
    }

    private static async Task<string> PublishAsync()
    {
        var output = RepositoryFiles.PathOf(Path.Combine("artifacts", "collector"));
        var executable = Path.Combine(output, "flamewatch-collector");
        var stamp = Path.Combine(output, ".sources");
        var hash = SourceHash();

        // Benchmarks and test assemblies may publish at the same time: one at a time, through a lock file.
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await using var lockFile = await TargetRuntimes.AcquireAsync(output + ".lock").ConfigureAwait(false);
        if (File.Exists(executable) && File.Exists(stamp) && await File.ReadAllTextAsync(stamp).ConfigureAwait(false) == hash)
        {
            return executable;
        }

        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        // Its own artifacts path: the solution's build of the same projects (no runtime identifier) is left alone.
        var result = await Command.RunAsync("dotnet",
        [
            "publish", RepositoryFiles.PathOf(Path.Combine("src", "NodeCollector", "Flamewatch.NodeCollector.csproj")), "-c", "Release", "-o", output,
            "--artifacts-path", RepositoryFiles.PathOf(Path.Combine("artifacts", "collector-build")), "--nologo", "-v", "quiet",
        ], timeout: TimeSpan.FromMinutes(20)).ConfigureAwait(false);
        if (result.ExitCode != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"Publishing the collector (Native AOT) failed (exit {result.ExitCode}); it needs clang and zlib1g-dev ('make deps'):\n{result.Output}");
        }

        await File.WriteAllTextAsync(stamp, hash).ConfigureAwait(false);
        return executable;
    }

    /// <summary>The projects the collector is built from (under src/).</summary>
    private static readonly string[] s_projects = ["NodeCollector", "Profiling", "Kubernetes", "Contracts", "Hosting", "Settings"];

    /// <summary>The sources of the collector and the libraries it is built from, and the build's shared settings.</summary>
    private static string SourceHash()
    {
        var root = RepositoryFiles.Root;
        var files = s_projects.SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, "src", p), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" }.Select(f => Path.Combine(root, f)))
            .Order(StringComparer.Ordinal);
        var builder = new StringBuilder();
        foreach (var file in files)
        {
            builder.Append(Path.GetRelativePath(root, file)).Append(':').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}

using System.Security.Cryptography;
using System.Text;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.TestKit.Runtimes;

/// <summary>
/// The runtimes Flamewatch profiles, as real targets: the test target app published self-contained for each target
/// framework (<c>dotnet publish -r linux-x64 --self-contained -f net8.0</c>; the runtime packs restore from NuGet, the
/// SDK picks their versions). Each is published once and cached under <c>artifacts/targets/&lt;tfm&gt;</c>, keyed by a
/// hash of the app's sources, so a test run publishes at most three times and later runs none.
/// </summary>
public static class TargetRuntimes
{
    /// <summary>Every supported runtime, oldest first.</summary>
    public static IReadOnlyList<string> All { get; } = ["net8.0", "net9.0", "net10.0"];

    /// <summary>
    /// <see cref="All"/> as theory rows, one runtime each:
    /// <c>[MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]</c>.
    /// </summary>
    public static IEnumerable<object[]> Cases => All.Select(runtime => new object[] { runtime });

    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static readonly Dictionary<string, string> s_published = [];

    /// <summary>The executable of the target app built for <paramref name="framework"/> (publishing it first if needed).</summary>
    public static async Task<string> TargetAppAsync(string framework)
    {
        if (!All.Contains(framework))
        {
            throw new ArgumentException($"Unknown target framework '{framework}'; supported: {string.Join(", ", All)}.", nameof(framework));
        }
        await s_gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (s_published.TryGetValue(framework, out var known))
            {
                return known;
            }
            var path = await PublishAsync(framework).ConfigureAwait(false);
            s_published[framework] = path;
            return path;
        }
        finally
        {
            s_gate.Release();
        }
    }

    private static async Task<string> PublishAsync(string framework)
    {
        var project = RepositoryFiles.PathOf(Path.Combine("tests", "TestKit", "TargetApp", "Flamewatch.TestKit.TargetApp.csproj"));
        var output = RepositoryFiles.PathOf(Path.Combine("artifacts", "targets", framework));
        var executable = Path.Combine(output, "Flamewatch.TestKit.TargetApp");
        var stamp = Path.Combine(output, ".sources");
        var hash = SourceHash(Path.GetDirectoryName(project)!);

        // Other test assemblies may publish at the same time: one at a time, through a lock file.
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await using var lockFile = await AcquireAsync(output + ".lock").ConfigureAwait(false);
        if (File.Exists(executable) && File.Exists(stamp) && await File.ReadAllTextAsync(stamp).ConfigureAwait(false) == hash)
        {
            return executable;
        }
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        var result = await Command.RunAsync("dotnet",
        [
            "publish", project, "-r", "linux-x64", "--self-contained", "-f", framework, $"-p:TargetFrameworks={framework}", "-c", "Release", "-o", output,
            "--artifacts-path", RepositoryFiles.PathOf(Path.Combine("artifacts", "targets", "build")), "--nologo", "-v", "quiet",
        ], timeout: TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        if (result.ExitCode != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"Publishing the target app for {framework} failed (exit {result.ExitCode}); its runtime pack must restore from NuGet:\n{result.Output}");
        }
        await File.WriteAllTextAsync(stamp, hash).ConfigureAwait(false);
        return executable;
    }

    private static string SourceHash(string directory)
    {
        var builder = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
        {
            builder.Append(Path.GetFileName(file)).Append(':').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))).Append('\n');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    internal static async Task<FileStream> AcquireAsync(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
        }
    }
}

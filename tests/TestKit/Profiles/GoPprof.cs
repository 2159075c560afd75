using Flamewatch.TestKit.Processes;

namespace Flamewatch.TestKit.Profiles;

/// <summary>Go's own pprof (Debian golang-go, installed by <c>make deps</c>): an independent, strict reader of profiles.</summary>
public static class GoPprof
{
    /// <summary><c>go tool pprof -raw</c> of <paramref name="profile"/>; throws when Go cannot parse it.</summary>
    public static async Task<string> RawAsync(byte[] profile)
    {
        var file = Path.Combine(Path.GetTempPath(), "flamewatch-" + Guid.NewGuid().ToString("N")[..12] + ".pb.gz");
        try
        {
            await File.WriteAllBytesAsync(file, profile).ConfigureAwait(false);
            return await RawFileAsync(file).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary><c>go tool pprof -raw</c> of the profile in <paramref name="file"/>; throws when Go cannot parse it.</summary>
    public static async Task<string> RawFileAsync(string file)
    {
        var result = await Command.RunAsync("go", ["tool", "pprof", "-raw", file], timeout: TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        return result.ExitCode == 0 ? result.StdOut : throw new InvalidOperationException("go tool pprof could not read the profile: " + result.StdErr);
    }
}

using Flamewatch.TestKit.Processes;

namespace Flamewatch.Agent.Tests;

/// <summary>Go's own pprof (Debian golang-go, installed by <c>make deps</c>): an independent, strict reader of what the agent serves.</summary>
internal static class GoPprof
{
    /// <summary><c>go tool pprof -raw</c> of <paramref name="profile"/>; fails the test when Go cannot parse it.</summary>
    public static async Task<string> RawAsync(byte[] profile)
    {
        var file = Path.Combine(Path.GetTempPath(), "flamewatch-" + Guid.NewGuid().ToString("N")[..12] + ".pb.gz");
        try
        {
            await File.WriteAllBytesAsync(file, profile);
            var result = await Command.RunAsync("go", ["tool", "pprof", "-raw", file], timeout: TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, "go tool pprof could not read the profile: " + result.StdErr);
            return result.StdOut;
        }
        finally
        {
            File.Delete(file);
        }
    }
}

using Flamewatch.TestKit.Processes;

namespace Flamewatch.Agent.Tests;

/// <summary>
/// Compresses with the reference command-line encoders (Debian's <c>zstd</c> and <c>lz4</c>, installed by
/// <c>make deps</c>), so the agent's decoders are checked against an implementation other than their own.
/// </summary>
internal static class Codecs
{
    /// <summary>Runs <c>tool args... -o out in</c> (zstd) or <c>tool args... in out</c> (lz4) on temporary files.</summary>
    public static async Task<byte[]> CompressAsync(string tool, byte[] data, params string[] args)
    {
        var input = Path.GetTempFileName();
        var output = input + "." + tool;
        try
        {
            await File.WriteAllBytesAsync(input, data);
            string[] arguments = tool == "zstd" ? ["-q", "-f", .. args, "-o", output, input] : ["-q", "-f", .. args, input, output];
            var result = await Command.RunAsync(tool, arguments);
            Assert.True(result.ExitCode == 0, $"{tool} failed: {result.StdErr}");
            return await File.ReadAllBytesAsync(output);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }
}

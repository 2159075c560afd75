using System.IO.Compression;
using Google.Protobuf;

namespace Flamewatch.Profiling.Pprof;

/// <summary>Encodes a <see cref="Profile"/> as protobuf and gzips it, the form every pprof consumer accepts.</summary>
internal static class PprofWriter
{
    public static byte[] Write(Profile profile)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }
        return output.ToArray();
    }

    public static Profile Read(ReadOnlySpan<byte> gzipped)
    {
        using var input = new GZipStream(new MemoryStream(gzipped.ToArray()), CompressionMode.Decompress);
        return Profile.Parser.ParseFrom(input);
    }
}

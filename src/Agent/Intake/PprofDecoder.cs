using System.IO.Compression;

namespace Flamewatch.Agent.Intake;

/// <summary>Reads a pprof attachment: gzip or uncompressed (told apart by magic bytes), with a size limit on inflation.</summary>
internal static class PprofDecoder
{
    public static PprofReader Decode(string name, ReadOnlyMemory<byte> content, long maxDecompressedBytes)
    {
        var span = content.Span;
        if (span.IsEmpty)
        {
            throw IntakeException.BadRequest($"attachment {Quote(name)} is empty");
        }
        if (span is [0x28, 0xb5, 0x2f, 0xfd, ..])
        {
            throw new IntakeException(
                StatusCodes.Status415UnsupportedMediaType,
                $"attachment {Quote(name)} is zstd-compressed; this agent reads gzip or uncompressed pprof "
                + "(for dd-trace set DD_PROFILING_DEBUG_UPLOAD_COMPRESSION=gzip)");
        }
        var raw = span is [0x1f, 0x8b, ..] ? Gunzip(name, content, maxDecompressedBytes) : content;
        return PprofReader.Read(raw, name);
    }

    /// <summary>A client-supplied string made safe to echo in an error message.</summary>
    public static string Quote(string value)
    {
        var shown = value.Length > 80 ? value[..80] + "..." : value;
        return "'" + new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]) + "'";
    }

    private static Stream AsStream(ReadOnlyMemory<byte> content) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    private static ReadOnlyMemory<byte> Gunzip(string name, ReadOnlyMemory<byte> content, long maxDecompressedBytes)
    {
        try
        {
            using var input = new GZipStream(AsStream(content), CompressionMode.Decompress);
            var output = new MemoryStream(Math.Min(content.Length * 4, 64 * 1024 * 1024));
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                if (output.Length + read > maxDecompressedBytes)
                {
                    throw new IntakeException(
                        StatusCodes.Status413PayloadTooLarge,
                        $"attachment {Quote(name)} inflates to more than {maxDecompressedBytes} bytes");
                }
                output.Write(buffer, 0, read);
            }
            return output.GetBuffer().AsMemory(0, (int)output.Length);
        }
        catch (InvalidDataException ex)
        {
            throw IntakeException.BadRequest($"attachment {Quote(name)} is not valid gzip: {ex.Message}");
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Flamewatch.Agent.Intake;

/// <summary>Reads a pprof attachment: gzip or uncompressed (told apart by magic bytes), with a size limit on inflation.</summary>
internal static class PprofDecoder
{
    private const long MaxInitialBuffer = 64 * 1024 * 1024;

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
        return span is [0x1f, 0x8b, ..] ? Gunzip(name, content, maxDecompressedBytes) : PprofReader.Read(content, name);
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

    /// <summary>
    /// Inflates into a pooled buffer sized from the gzip trailer's length field (a hint only: it is checked
    /// against what actually inflates), so a typical attachment costs one rented buffer and no copies.
    /// </summary>
    private static PprofReader Gunzip(string name, ReadOnlyMemory<byte> content, long maxDecompressedBytes)
    {
        var cap = Math.Min(maxDecompressedBytes, MaxInitialBuffer) + 1;
        var hint = content.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(content.Span[^4..]) + 1L : 0;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(Math.Min(Math.Max(hint, 4096), cap), 1));
        var length = 0;
        try
        {
            using var input = new GZipStream(AsStream(content), CompressionMode.Decompress);
            int read;
            while ((read = input.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
                if (length > maxDecompressedBytes)
                {
                    throw new IntakeException(
                        StatusCodes.Status413PayloadTooLarge,
                        $"attachment {Quote(name)} inflates to more than {maxDecompressedBytes} bytes");
                }
                if (length == buffer.Length)
                {
                    var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }
            }
        }
        catch (Exception ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (ex is InvalidDataException)
            {
                throw IntakeException.BadRequest($"attachment {Quote(name)} is not valid gzip: {ex.Message}");
            }
            throw;
        }
        return PprofReader.Read(buffer.AsMemory(0, length), name, rented: buffer);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// Reads a pprof attachment: gzip, zstd, lz4 frame or uncompressed, told apart by magic bytes. Every codec
/// inflates under the same limit (past it: 413) and with bounded decoder memory; a corrupt stream is a 400
/// that names the attachment.
/// </summary>
internal static class PprofDecoder
{
    /// <summary>
    /// Largest zstd window accepted: 8 MiB (window log 23) covers every standard compression level (1–19);
    /// a frame asking for more (levels 20–22 with <c>--ultra</c>, or a hostile header) gets 413 instead of
    /// making the agent allocate its window.
    /// </summary>
    public const int MaxZstdWindowLog = 23;

    private const long MaxInitialBuffer = 64 * 1024 * 1024;

    public static PprofReader Decode(string name, ReadOnlyMemory<byte> content, long maxDecompressedBytes)
    {
        var span = content.Span;
        if (span.IsEmpty)
        {
            throw IntakeException.BadRequest($"attachment {Quote(name)} is empty");
        }
        return span switch
        {
            [0x1f, 0x8b, ..] => Gunzip(name, content, maxDecompressedBytes),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Unzstd(name, content, maxDecompressedBytes),
            [0x04, 0x22, 0x4d, 0x18, ..] => Unlz4(name, content, maxDecompressedBytes),
            _ => PprofReader.Read(content, name),
        };
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

    private static IntakeException TooLarge(string name, long maxDecompressedBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"attachment {Quote(name)} inflates to more than {maxDecompressedBytes} bytes");

    /// <summary>The gzip trailer's length field (a hint only: it is checked against what actually inflates).</summary>
    private static PprofReader Gunzip(string name, ReadOnlyMemory<byte> content, long maxDecompressedBytes)
    {
        var hint = content.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(content.Span[^4..]) : 0;
        return Inflate(name, "gzip", new GZipStream(AsStream(content), CompressionMode.Decompress), hint, maxDecompressedBytes);
    }

    /// <summary>
    /// zstd: when the frames bound their decompressed size within the limit (clients that compress a whole
    /// pprof at once write the content size), one pass into a buffer of that size, which needs no decoder
    /// window at all; otherwise streaming with the window capped at <see cref="MaxZstdWindowLog"/>.
    /// </summary>
    private static PprofReader Unzstd(string name, ReadOnlyMemory<byte> content, long maxDecompressedBytes)
    {
        ulong bound;
        try
        {
            bound = Decompressor.GetDecompressedSize(content.Span);
        }
        catch (ZstdException)
        {
            // No bound: a frame without its content size, or corrupt; the stream tells which.
            bound = ulong.MaxValue;
        }
        Decompressor? decompressor = ZstdDecompressors.Rent();
        try
        {
            if (bound <= (ulong)Math.Min(maxDecompressedBytes, MaxInitialBuffer))
            {
                var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(bound, 1));
                try
                {
                    var written = decompressor.Unwrap(content.Span, buffer.AsSpan(0, (int)bound));
                    ZstdDecompressors.Return(decompressor);
                    decompressor = null;
                    return PprofReader.Read(buffer.AsMemory(0, written), name, rented: buffer);
                }
                catch (ZstdException ex)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw BadZstd(name, ex);
                }
            }
            using var stream = new DecompressionStream(AsStream(content), decompressor, preserveDecompressor: true, leaveOpen: false);
            var reader = Inflate(name, "zstd", stream, 0, maxDecompressedBytes);
            ZstdDecompressors.Return(decompressor);
            decompressor = null;
            return reader;
        }
        catch (Exception ex)
        {
            // A decoder that failed mid-frame keeps state of that frame: it is not reused.
            decompressor?.Dispose();
            if (ex is ZstdException zstd)
            {
                throw BadZstd(name, zstd);
            }
            throw;
        }
    }

    private static IntakeException BadZstd(string name, ZstdException ex) =>
        ex.Code == ZSTD_ErrorCode.ZSTD_error_frameParameter_windowTooLarge
            ? new(StatusCodes.Status413PayloadTooLarge, $"attachment {Quote(name)} is zstd with a window larger than {1 << MaxZstdWindowLog} bytes (compression levels up to 19 fit)")
            : IntakeException.BadRequest($"attachment {Quote(name)} is not valid zstd: {ex.Message}");

    /// <summary>lz4 frame: blocks are at most 4 MiB by the format, so the decoder's memory is bounded by it.</summary>
    private static PprofReader Unlz4(string name, ReadOnlyMemory<byte> content, long maxDecompressedBytes)
    {
        // The frame descriptor carries the content size when its flag (FLG bit 3) is set.
        var span = content.Span;
        var hint = span.Length >= 14 && (span[4] & 0x08) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(span[6..]) : 0;
        return Inflate(name, "lz4", LZ4Stream.Decode(AsStream(content), 0, leaveOpen: false), hint, maxDecompressedBytes);
    }

    /// <summary>
    /// Inflates into a pooled buffer, sized from the codec's length hint (checked against what actually
    /// inflates), so a typical attachment costs one rented buffer and no copies.
    /// </summary>
    private static PprofReader Inflate(string name, string codec, Stream input, long hint, long maxDecompressedBytes)
    {
        var cap = Math.Min(maxDecompressedBytes, MaxInitialBuffer) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(Math.Min(Math.Max(hint + 1, 4096), cap), 1));
        var length = 0;
        try
        {
            using (input)
            {
                int read;
                while ((read = input.Read(buffer, length, buffer.Length - length)) > 0)
                {
                    length += read;
                    if (length > maxDecompressedBytes)
                    {
                        throw TooLarge(name, maxDecompressedBytes);
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
        }
        catch (Exception ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            // Decoders of hostile input fail in their own ways (InvalidDataException, EndOfStreamException,
            // ZstdException, an out-of-range block size): each is a client error naming the attachment.
            if (ex is IntakeException or OperationCanceledException or OutOfMemoryException)
            {
                throw;
            }
            if (ex is ZstdException zstd)
            {
                throw BadZstd(name, zstd);
            }
            throw IntakeException.BadRequest($"attachment {Quote(name)} is not valid {codec}: {ex.Message}");
        }
        return PprofReader.Read(buffer.AsMemory(0, length), name, rented: buffer);
    }
}

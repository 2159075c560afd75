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
        if (content.IsEmpty)
        {
            throw IntakeException.BadRequest($"attachment {Quote(name)} is empty");
        }
        var raw = Decompress($"attachment {Quote(name)}", content, maxDecompressedBytes, out var rented);
        return PprofReader.Read(raw, name, rented);
    }

    /// <summary>
    /// Decompresses <paramref name="content"/> by its magic bytes (gzip, zstd, lz4 frame), or returns it as it is.
    /// <paramref name="rented"/> is the pooled array the result lives in, to be given back by the caller.
    /// </summary>
    /// <param name="what">Names the input in error messages (<c>attachment 'cpu.pprof'</c>).</param>
    public static ReadOnlyMemory<byte> Decompress(string what, ReadOnlyMemory<byte> content, long maxDecompressedBytes, out byte[]? rented)
    {
        rented = null;
        return content.Span switch
        {
            [0x1f, 0x8b, ..] => Gunzip(what, content, maxDecompressedBytes, out rented),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Unzstd(what, content, maxDecompressedBytes, out rented),
            [0x04, 0x22, 0x4d, 0x18, ..] => Unlz4(what, content, maxDecompressedBytes, out rented),
            _ => content,
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

    private static IntakeException TooLarge(string what, long maxDecompressedBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"{what} inflates to more than {maxDecompressedBytes} bytes");

    /// <summary>The gzip trailer's length field (a hint only: it is checked against what actually inflates).</summary>
    private static ReadOnlyMemory<byte> Gunzip(string what, ReadOnlyMemory<byte> content, long maxDecompressedBytes, out byte[] rented)
    {
        var hint = content.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(content.Span[^4..]) : 0;
        return Inflate(what, "gzip", new GZipStream(AsStream(content), CompressionMode.Decompress), hint, maxDecompressedBytes, out rented);
    }

    /// <summary>
    /// zstd: when the frames bound their decompressed size within the limit (clients that compress a whole
    /// pprof at once write the content size), one pass into a buffer of that size, which needs no decoder
    /// window at all; otherwise streaming with the window capped at <see cref="MaxZstdWindowLog"/>.
    /// </summary>
    private static ReadOnlyMemory<byte> Unzstd(string what, ReadOnlyMemory<byte> content, long maxDecompressedBytes, out byte[] rented)
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
                    rented = buffer;
                    return buffer.AsMemory(0, written);
                }
                catch (ZstdException ex)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw BadZstd(what, ex);
                }
            }
            using var stream = new DecompressionStream(AsStream(content), decompressor, preserveDecompressor: true, leaveOpen: false);
            var inflated = Inflate(what, "zstd", stream, 0, maxDecompressedBytes, out rented);
            ZstdDecompressors.Return(decompressor);
            decompressor = null;
            return inflated;
        }
        catch (Exception ex)
        {
            // A decoder that failed mid-frame keeps state of that frame: it is not reused.
            decompressor?.Dispose();
            if (ex is ZstdException zstd)
            {
                throw BadZstd(what, zstd);
            }
            throw;
        }
    }

    private static IntakeException BadZstd(string what, ZstdException ex) =>
        ex.Code == ZSTD_ErrorCode.ZSTD_error_frameParameter_windowTooLarge
            ? new(StatusCodes.Status413PayloadTooLarge, $"{what} is zstd with a window larger than {1 << MaxZstdWindowLog} bytes (compression levels up to 19 fit)")
            : IntakeException.BadRequest($"{what} is not valid zstd: {ex.Message}");

    /// <summary>lz4 frame: blocks are at most 4 MiB by the format, so the decoder's memory is bounded by it.</summary>
    private static ReadOnlyMemory<byte> Unlz4(string what, ReadOnlyMemory<byte> content, long maxDecompressedBytes, out byte[] rented)
    {
        // The frame descriptor carries the content size when its flag (FLG bit 3) is set.
        var span = content.Span;
        var hint = span.Length >= 14 && (span[4] & 0x08) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(span[6..]) : 0;
        return Inflate(what, "lz4", LZ4Stream.Decode(AsStream(content), 0, leaveOpen: false), hint, maxDecompressedBytes, out rented);
    }

    /// <summary>
    /// Inflates into a pooled buffer, sized from the codec's length hint (checked against what actually
    /// inflates), so a typical attachment costs one rented buffer and no copies.
    /// </summary>
    private static ReadOnlyMemory<byte> Inflate(string what, string codec, Stream input, long hint, long maxDecompressedBytes, out byte[] rented)
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
                        throw TooLarge(what, maxDecompressedBytes);
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
                throw BadZstd(what, zstd);
            }
            throw IntakeException.BadRequest($"{what} is not valid {codec}: {ex.Message}");
        }
        rented = buffer;
        return buffer.AsMemory(0, length);
    }
}

using System.Collections.Concurrent;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// A small pool of zstd decoding contexts, each limited to a window of 2^<see cref="PprofDecoder.MaxZstdWindowLog"/>
/// bytes. A context holds about 100 KB of tables; reusing it spares that allocation on every upload.
/// </summary>
internal static class ZstdDecompressors
{
    private static readonly int MaxPooled = Math.Max(4, 2 * Environment.ProcessorCount);
    private static readonly ConcurrentQueue<Decompressor> Pool = new();

    public static Decompressor Rent()
    {
        if (Pool.TryDequeue(out var pooled))
        {
            return pooled;
        }
        var decompressor = new Decompressor();
        decompressor.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, PprofDecoder.MaxZstdWindowLog);
        return decompressor;
    }

    /// <summary>Gives back a context that finished its frames cleanly; beyond the pool's size it is freed.</summary>
    public static void Return(Decompressor decompressor)
    {
        if (Pool.Count < MaxPooled)
        {
            Pool.Enqueue(decompressor);
        }
        else
        {
            decompressor.Dispose();
        }
    }
}

using System.Diagnostics;
using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;

namespace Flamewatch.Bench.Agent;

/// <summary>
/// CPU per upload of the intake's steps, single-threaded, on warm code: the best of several passes per step,
/// so that other processes on a shared machine disturb the figure less.
/// </summary>
internal static class IntakePhases
{
    /// <param name="zstdPprofs">The same pprofs zstd-compressed: their decompression alone is measured next to gunzip.</param>
    public static string Measure(IReadOnlyList<byte[]> pprofs, IReadOnlyList<byte[]> zstdPprofs)
    {
        var symbols = new SymbolTables();
        var best = Enumerable.Repeat(double.MaxValue, 5).ToArray();
        var phases = new double[5];
        for (var pass = 0; pass < 7; pass++)
        {
            Array.Clear(phases);
            for (var n = 0; n < pprofs.Count; n++)
            {
                var pprof = pprofs[n];
                var tg = Stopwatch.GetTimestamp();
                using (var gzip = new System.IO.Compression.GZipStream(new MemoryStream(pprof), System.IO.Compression.CompressionMode.Decompress))
                {
                    gzip.CopyTo(Stream.Null);
                }
                phases[3] += Stopwatch.GetElapsedTime(tg).TotalMilliseconds;
                var tz = Stopwatch.GetTimestamp();
                var unzstd = PprofDecoder.Decode("auto.pprof", zstdPprofs[n], long.MaxValue);
                phases[4] += Stopwatch.GetElapsedTime(tz).TotalMilliseconds;
                unzstd.ReturnBuffer();
                var t0 = Stopwatch.GetTimestamp();
                var profile = PprofDecoder.Decode("auto.pprof", pprof, long.MaxValue);
                var t1 = Stopwatch.GetTimestamp();
                var values = SampleIndexer.Index("auto.pprof", profile, symbols);
                var t2 = Stopwatch.GetTimestamp();
                for (var column = 0; column < values.Types.Count; column++)
                {
                    values.Encode(column);
                }
                profile.ReturnBuffer();
                phases[0] += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                phases[1] += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                phases[2] += Stopwatch.GetElapsedTime(t2, Stopwatch.GetTimestamp()).TotalMilliseconds;
            }
            if (pass > 0)
            {
                for (var i = 0; i < best.Length; i++)
                {
                    best[i] = Math.Min(best[i], phases[i]);
                }
            }
        }
        phases = best;
        return $"intake CPU per upload (single thread, warm): gunzip+parse {phases[0] / pprofs.Count:0.0} ms (gunzip alone {phases[3] / pprofs.Count:0.0} ms; "
            + $"unzstd+parse {phases[4] / pprofs.Count:0.0} ms), "
            + $"index stacks {phases[1] / pprofs.Count:0.0} ms, encode {phases[2] / pprofs.Count:0.0} ms";
    }
}

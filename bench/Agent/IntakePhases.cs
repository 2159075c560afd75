using System.Diagnostics;
using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;

namespace Flamewatch.Bench.Agent;

/// <summary>CPU per upload of the intake's steps, single-threaded, on warm code (the third pass is reported).</summary>
internal static class IntakePhases
{
    public static string Measure(IReadOnlyList<byte[]> pprofs)
    {
        var symbols = new SymbolTables();
        var phases = new double[3];
        for (var pass = 0; pass < 3; pass++)
        {
            Array.Clear(phases);
            foreach (var pprof in pprofs)
            {
                var t0 = Stopwatch.GetTimestamp();
                var profile = PprofDecoder.Decode("auto.pprof", pprof, long.MaxValue);
                var t1 = Stopwatch.GetTimestamp();
                var values = new Dictionary<int, Dictionary<int, long>>();
                SampleIndexer.Add("auto.pprof", profile, symbols, values);
                var t2 = Stopwatch.GetTimestamp();
                foreach (var v in values.Values)
                {
                    SampleBlob.Encode(v);
                }
                phases[0] += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                phases[1] += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                phases[2] += Stopwatch.GetElapsedTime(t2, Stopwatch.GetTimestamp()).TotalMilliseconds;
            }
        }
        return $"intake CPU per upload (single thread, warm): gunzip+parse {phases[0] / pprofs.Count:0.0} ms, "
            + $"index stacks {phases[1] / pprofs.Count:0.0} ms, encode {phases[2] / pprofs.Count:0.0} ms";
    }
}

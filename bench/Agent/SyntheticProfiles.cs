using System.IO.Compression;
using Flamewatch.Profiling.Pprof;
using Google.Protobuf;
using PprofValueType = Flamewatch.Profiling.Pprof.ValueType;

namespace Flamewatch.Bench.Agent;

/// <summary>
/// Realistic collector pprofs: the five Flamewatch sample types, .NET-style frame names, stacks 15–45 deep drawn
/// from one service's shared pool of call paths (so pods of one application overlap, as real ones do).
/// </summary>
internal static class SyntheticProfiles
{
    private static readonly string[] Types = ["cpu-time/nanoseconds", "wall-time/nanoseconds", "alloc-samples/count", "alloc-size/bytes", "inuse-space/bytes"];

    public static List<byte[]> Create(int count, int seed)
    {
        var random = new Random(seed);
        string[] namespaces = ["Shop.Orders", "Shop.Payments", "Shop.Catalog", "Microsoft.AspNetCore.Routing", "System.Text.Json", "Npgsql", "System.Net.Http", "System.Threading.Tasks"];
        var functions = Enumerable.Range(0, 900).Select(i =>
            $"{namespaces[i % namespaces.Length]}.{(char)('A' + (i % 26))}Component{i / 26}.Handle{i % 17}Async(System.String, System.Threading.CancellationToken)").ToArray();
        // A pool of call paths: trees grown from a few entry points.
        var pool = new List<int[]>();
        for (var i = 0; i < 4000; i++)
        {
            var depth = random.Next(15, 46);
            var stack = new int[depth];
            stack[0] = random.Next(4);
            for (var d = 1; d < depth; d++)
            {
                stack[d] = d < 8 ? (stack[d - 1] * 7 + d + (i % 5)) % functions.Length : random.Next(functions.Length);
            }
            pool.Add(stack);
        }
        var result = new List<byte[]>(count);
        for (var p = 0; p < count; p++)
        {
            var profile = new Profile { TimeNanos = 1_700_000_000_000_000_000, DurationNanos = 45_000_000_000, Period = 10_000_000 };
            profile.StringTable.Add("");
            foreach (var type in Types)
            {
                var slash = type.IndexOf('/', StringComparison.Ordinal);
                profile.StringTable.Add(type[..slash]);
                profile.StringTable.Add(type[(slash + 1)..]);
                profile.SampleType.Add(new PprofValueType { Type = profile.StringTable.Count - 2, Unit = profile.StringTable.Count - 1 });
            }
            var fileIndex = profile.StringTable.Count;
            profile.StringTable.Add("");
            var used = new Dictionary<int, ulong>();
            var samples = random.Next(500, 1700);
            for (var s = 0; s < samples; s++)
            {
                var stack = pool[random.Next(pool.Count)];
                var sample = new Sample();
                for (var d = stack.Length - 1; d >= 0; d--)
                {
                    if (!used.TryGetValue(stack[d], out var id))
                    {
                        id = used[stack[d]] = (ulong)used.Count + 1;
                        profile.StringTable.Add(functions[stack[d]]);
                        profile.Function.Add(new Function { Id = id, Name = profile.StringTable.Count - 1, SystemName = profile.StringTable.Count - 1, Filename = fileIndex });
                        var location = new Location { Id = id };
                        location.Line.Add(new Line { FunctionId = id });
                        profile.Location.Add(location);
                    }
                    sample.LocationId.Add(id);
                }
                sample.Value.Add([random.Next(1, 5) * 10_000_000L, random.Next(1, 20) * 10_000_000L, random.Next(0, 3), random.Next(0, 3) * 102_400L, random.Next(0, 2) * 51_200L]);
                profile.Sample.Add(sample);
            }
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                profile.WriteTo(gzip);
            }
            result.Add(output.ToArray());
        }
        return result;
    }

    /// <summary>A gzip pprof recompressed with zstd at level 3 (the default of zstd, Node's zlib and libdatadog).</summary>
    public static byte[] ToZstd(byte[] gzipPprof)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipPprof), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        gzip.CopyTo(raw);
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(raw.ToArray()).ToArray();
    }
}

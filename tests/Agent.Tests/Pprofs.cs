using System.IO.Compression;
using Flamewatch.Profiling.Pprof;
using Google.Protobuf;
using PprofValueType = Flamewatch.Profiling.Pprof.ValueType;

namespace Flamewatch.Agent.Tests;

/// <summary>Builds and reads pprof profiles for tests.</summary>
internal static class Pprofs
{
    /// <summary>The five sample types of Flamewatch's collector.</summary>
    public static readonly string[] CollectorTypes =
        ["cpu-time/nanoseconds", "wall-time/nanoseconds", "alloc-samples/count", "alloc-size/bytes", "inuse-space/bytes"];

    /// <summary>A profile with the given types and samples (stack root first, one value per type).</summary>
    public static Profile Create(string[] types, params (string[] Stack, long[] Values)[] samples)
    {
        var profile = new Profile { TimeNanos = 1_700_000_000_000_000_000, DurationNanos = 45_000_000_000 };
        var strings = new Dictionary<string, long>();
        long Str(string s)
        {
            if (!strings.TryGetValue(s, out var i))
            {
                i = strings[s] = profile.StringTable.Count;
                profile.StringTable.Add(s);
            }
            return i;
        }
        Str("");
        foreach (var type in types)
        {
            var slash = type.LastIndexOf('/');
            profile.SampleType.Add(new PprofValueType { Type = Str(type[..slash]), Unit = Str(type[(slash + 1)..]) });
        }
        var functions = new Dictionary<string, ulong>();
        foreach (var (stack, values) in samples)
        {
            var sample = new Sample();
            foreach (var frame in stack.Reverse())
            {
                if (!functions.TryGetValue(frame, out var id))
                {
                    id = functions[frame] = (ulong)functions.Count + 1;
                    profile.Function.Add(new Function { Id = id, Name = Str(frame), Filename = Str("App.cs") });
                    var location = new Location { Id = id };
                    location.Line.Add(new Line { FunctionId = id, Line_ = 10 });
                    profile.Location.Add(location);
                }
                sample.LocationId.Add(id);
            }
            sample.Value.Add(values);
            profile.Sample.Add(sample);
        }
        return profile;
    }

    public static byte[] Gzip(Profile profile)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }
        return output.ToArray();
    }

    public static byte[] GzipBytes(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    public static Profile Read(byte[] bytes)
    {
        if (bytes is [0x1f, 0x8b, ..])
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            return Profile.Parser.ParseFrom(gzip);
        }
        return Profile.Parser.ParseFrom(bytes);
    }

    /// <summary>Value of sample type 0 summed per leaf-to-root stack rendered as "root;...;leaf".</summary>
    public static Dictionary<string, long> Stacks(Profile profile, int typeIndex = 0)
    {
        var names = profile.Function.ToDictionary(f => f.Id, f => profile.StringTable[(int)f.Name]);
        var locations = profile.Location.ToDictionary(l => l.Id, l => string.Join(";", l.Line.Reverse().Select(line => names[line.FunctionId])));
        var result = new Dictionary<string, long>();
        foreach (var sample in profile.Sample)
        {
            var key = string.Join(";", sample.LocationId.Reverse().Select(id => locations[id]));
            result[key] = result.GetValueOrDefault(key) + sample.Value[typeIndex];
        }
        return result;
    }

    /// <summary>Total of the stacks with a frame whose name contains <paramref name="function"/> (Pyroscope's Node client names frames file:function:line).</summary>
    public static long Inclusive(Profile profile, string function, int typeIndex = 0) =>
        Stacks(profile, typeIndex).Where(kv => kv.Key.Split(';').Any(f => f.Contains(function, StringComparison.Ordinal))).Sum(kv => kv.Value);

    public static string[] TypeNames(Profile profile) =>
        [.. profile.SampleType.Select(t => profile.StringTable[(int)t.Type] + "/" + profile.StringTable[(int)t.Unit])];
}

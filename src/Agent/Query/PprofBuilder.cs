using System.IO.Compression;
using Flamewatch.Agent.Storage;
using Flamewatch.Profiling.Pprof;
using Google.Protobuf;
using PprofValueType = Flamewatch.Profiling.Pprof.ValueType;

namespace Flamewatch.Agent.Query;

/// <summary>
/// Writes a merge as one gzip pprof: one sample per distinct stack, one location and function per frame. A gauge's
/// values are the merge's averages over time.
/// </summary>
internal static class PprofBuilder
{
    /// <param name="from">The query's start: the profile's time when no profile was merged.</param>
    public static byte[] Build(MergeResult merge, SymbolTables symbols, DateTimeOffset from)
    {
        var strings = new Dictionary<string, long>(StringComparer.Ordinal) { [""] = 0 };
        var profile = new Profile();
        profile.StringTable.Add("");
        long Str(string s)
        {
            if (!strings.TryGetValue(s, out var index))
            {
                index = strings[s] = profile.StringTable.Count;
                profile.StringTable.Add(s);
            }
            return index;
        }

        var slash = merge.Type.LastIndexOf('/');
        var type = new PprofValueType { Type = Str(slash < 0 ? merge.Type : merge.Type[..slash]), Unit = Str(slash < 0 ? "" : merge.Type[(slash + 1)..]) };
        profile.SampleType.Add(type);
        profile.PeriodType = type.Clone();
        // The time the merged profiles span, not the query's range: a range reaching past the data would overstate it.
        var start = merge.Start ?? from;
        profile.TimeNanos = start.ToUnixTimeMilliseconds() * 1_000_000;
        profile.DurationNanos = ((merge.End ?? start) - start).Ticks * 100;

        var locationOfFrame = new Dictionary<int, ulong>();
        ulong Location(int frameId)
        {
            if (!locationOfFrame.TryGetValue(frameId, out var id))
            {
                id = locationOfFrame[frameId] = (ulong)locationOfFrame.Count + 1;
                var frame = symbols.Frames[frameId];
                profile.Function.Add(new Function { Id = id, Name = Str(frame.Name), SystemName = Str(frame.Name), Filename = Str(frame.File) });
                var location = new Location { Id = id };
                location.Line.Add(new Line { FunctionId = id });
                profile.Location.Add(location);
            }
            return id;
        }

        var self = merge.SelfByNode;
        for (var node = 1; node < self.Length; node++)
        {
            if (self[node] == 0)
            {
                continue;
            }
            var sample = new Sample();
            for (var n = node; n != 0; n = SymbolTables.ParentOf(symbols.Nodes[n]))
            {
                sample.LocationId.Add(Location(SymbolTables.FrameOf(symbols.Nodes[n])));
            }
            sample.Value.Add(self[node]);
            profile.Sample.Add(sample);
        }

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }
        return output.ToArray();
    }
}

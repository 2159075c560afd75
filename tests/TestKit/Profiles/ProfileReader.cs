using Flamewatch.Profiling.Pprof;

namespace Flamewatch.TestKit.Profiles;

/// <summary>Reads sums out of a pprof <see cref="Profile"/> the way a flame-graph viewer would.</summary>
public sealed class ProfileReader
{
    private readonly Profile _profile;
    private readonly Dictionary<ulong, string> _functionByLocation;

    /// <summary>Reads a <c>.pb.gz</c> file as the collector writes it.</summary>
    public static ProfileReader FromFile(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        return new ProfileReader(Profile.Parser.ParseFrom(gzip));
    }

    public ProfileReader(Profile profile)
    {
        _profile = profile;
        var functions = profile.Function.ToDictionary(f => f.Id, f => profile.StringTable[(int)f.Name]);
        _functionByLocation = profile.Location.ToDictionary(l => l.Id, l => functions[l.Line[0].FunctionId]);
    }

    public int TypeIndex(string type) => _profile.SampleType.ToList().FindIndex(t => _profile.StringTable[(int)t.Type] == type);

    public string? Label(Sample sample, string key) =>
        sample.Label.Where(l => _profile.StringTable[(int)l.Key] == key).Select(l => _profile.StringTable[(int)l.Str]).FirstOrDefault();

    public string Leaf(Sample sample) => _functionByLocation[sample.LocationId[0]];

    public IEnumerable<string> Frames(Sample sample) => sample.LocationId.Select(id => _functionByLocation[id]);

    /// <summary>Sum of a dimension over samples matching a predicate.</summary>
    public long Sum(string type, Func<Sample, bool>? where = null)
    {
        var index = TypeIndex(type);
        return _profile.Sample.Where(s => where is null || where(s)).Sum(s => s.Value[index]);
    }

    public bool OnThread(Sample sample, string threadName) => Label(sample, "thread name") == threadName;

    public IEnumerable<Sample> Samples => _profile.Sample;

    public IEnumerable<string> Comments => _profile.Comment.Select(c => _profile.StringTable[(int)c]);

    public DateTimeOffset Start => DateTimeOffset.UnixEpoch.AddTicks(_profile.TimeNanos / 100);

    public DateTimeOffset End => Start.AddTicks(_profile.DurationNanos / 100);

    /// <summary>The <c>gc-heap-size-bytes</c> comment, or null.</summary>
    public long? GcHeapBytes =>
        Comments.Where(c => c.StartsWith("gc-heap-size-bytes=", StringComparison.Ordinal))
            .Select(c => (long?)long.Parse(c["gc-heap-size-bytes=".Length..], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
}

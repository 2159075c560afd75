using Flamewatch.Profiling.Pprof;

namespace Flamewatch.Profiling.Tests;

/// <summary>Reads sums out of a pprof <see cref="Profile"/> the way a flame-graph viewer would.</summary>
internal sealed class ProfileReader
{
    private readonly Profile _profile;
    private readonly Dictionary<ulong, string> _functionByLocation;

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
}

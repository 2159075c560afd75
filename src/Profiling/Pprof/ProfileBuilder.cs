namespace Flamewatch.Profiling.Pprof;

/// <summary>
/// Builds a pprof <see cref="Profile"/>: a string table (index 0 = ""), one function and one location per method
/// name, and samples merged when their frames and labels are equal.
/// </summary>
internal sealed class ProfileBuilder
{
    private readonly Profile _profile = new();
    private readonly Dictionary<string, long> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _locations = new(StringComparer.Ordinal);
    private readonly Dictionary<SampleIdentity, Sample> _samples = [];
    private readonly int _valueCount;

    public ProfileBuilder(IReadOnlyList<(string Type, string Unit)> sampleTypes)
    {
        String(string.Empty);
        foreach (var (type, unit) in sampleTypes)
        {
            _profile.SampleType.Add(new ValueType { Type = String(type), Unit = String(unit) });
        }
        _valueCount = sampleTypes.Count;
    }

    public long String(string value)
    {
        if (!_strings.TryGetValue(value, out var index))
        {
            index = _profile.StringTable.Count;
            _profile.StringTable.Add(value);
            _strings.Add(value, index);
        }
        return index;
    }

    /// <summary>Adds (or merges into an equal) sample. <paramref name="frames"/> are function names, leaf first.</summary>
    public void AddSample(IReadOnlyList<string> frames, ReadOnlySpan<long> values, IReadOnlyList<(string Key, string Value)> labels)
    {
        if (values.Length != _valueCount)
        {
            throw new ArgumentException($"Expected {_valueCount} values, got {values.Length}.", nameof(values));
        }
        var locationIds = new ulong[frames.Count];
        for (var i = 0; i < frames.Count; i++)
        {
            locationIds[i] = Location(frames[i]);
        }
        var labelIds = new (long, long)[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            labelIds[i] = (String(labels[i].Key), String(labels[i].Value));
        }
        var identity = new SampleIdentity(locationIds, labelIds);
        if (_samples.TryGetValue(identity, out var existing))
        {
            for (var i = 0; i < values.Length; i++)
            {
                existing.Value[i] += values[i];
            }
            return;
        }
        var sample = new Sample();
        sample.LocationId.Add(locationIds);
        sample.Value.Add(values.ToArray());
        foreach (var (key, value) in labelIds)
        {
            sample.Label.Add(new Label { Key = key, Str = value });
        }
        _samples.Add(identity, sample);
        _profile.Sample.Add(sample);
    }

    public void AddComment(string comment) => _profile.Comment.Add(String(comment));

    public Profile Build(DateTimeOffset start, TimeSpan duration, (string Type, string Unit) periodType, long period)
    {
        _profile.TimeNanos = (start - DateTimeOffset.UnixEpoch).Ticks * 100;
        _profile.DurationNanos = duration.Ticks * 100;
        _profile.PeriodType = new ValueType { Type = String(periodType.Type), Unit = String(periodType.Unit) };
        _profile.Period = period;
        return _profile;
    }

    private ulong Location(string functionName)
    {
        if (_locations.TryGetValue(functionName, out var id))
        {
            return id;
        }
        id = (ulong)_profile.Location.Count + 1;
        var name = String(functionName);
        _profile.Function.Add(new Function { Id = id, Name = name, SystemName = name });
        var location = new Location { Id = id };
        location.Line.Add(new Line { FunctionId = id });
        _profile.Location.Add(location);
        _locations.Add(functionName, id);
        return id;
    }

    private sealed record SampleIdentity(ulong[] Locations, (long, long)[] Labels)
    {
        public bool Equals(SampleIdentity? other) =>
            other is not null && Locations.AsSpan().SequenceEqual(other.Locations) && Labels.AsSpan().SequenceEqual(other.Labels);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var location in Locations)
            {
                hash.Add(location);
            }
            foreach (var label in Labels)
            {
                hash.Add(label);
            }
            return hash.ToHashCode();
        }
    }
}

using Flamewatch.Profiling.Pprof;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class PprofTests
{
    private static readonly (string, string)[] Types = [("cpu-time", "nanoseconds"), ("wall-time", "nanoseconds")];

    [Fact]
    public void Strings_functions_and_locations_are_deduplicated_and_equal_samples_merge()
    {
        var builder = new ProfileBuilder(Types);
        builder.AddSample(["App.Leaf", "App.Main"], [1, 10], [("thread id", "1")]);
        builder.AddSample(["App.Leaf", "App.Main"], [2, 20], [("thread id", "1")]);
        builder.AddSample(["App.Other", "App.Main"], [0, 5], [("thread id", "2")]);
        var profile = builder.Build(DateTimeOffset.UnixEpoch.AddSeconds(10), TimeSpan.FromSeconds(45), ("wall-time", "nanoseconds"), 10_000_000);

        Assert.Equal(string.Empty, profile.StringTable[0]);
        Assert.Equal(profile.StringTable.Count, profile.StringTable.Distinct().Count());
        Assert.Equal(3, profile.Function.Count);
        Assert.Equal(3, profile.Location.Count);
        Assert.Equal(2, profile.Sample.Count);
        Assert.Equal([3L, 30L], profile.Sample[0].Value);
        Assert.Equal(10_000_000_000L, profile.TimeNanos);
        Assert.Equal(45_000_000_000L, profile.DurationNanos);
        Assert.All(profile.Location, l => Assert.Contains(profile.Function, f => f.Id == l.Line[0].FunctionId));
    }

    [Fact]
    public void Samples_with_different_labels_stay_apart()
    {
        var builder = new ProfileBuilder(Types);
        builder.AddSample(["App.Leaf"], [1, 1], [("thread id", "1")]);
        builder.AddSample(["App.Leaf"], [1, 1], [("thread id", "2")]);
        Assert.Equal(2, builder.Build(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1), ("wall-time", "nanoseconds"), 1).Sample.Count);
    }

    [Fact]
    public void A_sample_with_the_wrong_number_of_values_is_rejected()
    {
        var builder = new ProfileBuilder(Types);
        Assert.Throws<ArgumentException>(() => builder.AddSample(["App.Leaf"], [1], []));
    }

    [Fact]
    public void The_writer_gzips_and_round_trips()
    {
        var builder = new ProfileBuilder(Types);
        builder.AddSample(["App.Leaf", "App.Main"], [7, 9], [("thread name", "Worker")]);
        builder.AddComment("gc-heap-size-bytes=42");
        var profile = builder.Build(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1), ("wall-time", "nanoseconds"), 10_000_000);

        var bytes = PprofWriter.Write(profile);
        Assert.Equal([0x1f, 0x8b], bytes[..2]);
        Assert.Equal(profile, PprofWriter.Read(bytes));
    }
}

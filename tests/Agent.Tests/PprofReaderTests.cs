using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;
using Flamewatch.Profiling.Pprof;
using Google.Protobuf;

namespace Flamewatch.Agent.Tests;

public sealed class PprofReaderTests
{
    /// <summary>Indexes a pprof and renders each stored leaf node as "root;...;leaf" with its values per type.</summary>
    private static Dictionary<string, long> Index(byte[] pprof, string type)
    {
        var symbols = new SymbolTables();
        var values = new Dictionary<int, Dictionary<int, long>>();
        SampleIndexer.Add("test.pprof", PprofDecoder.Decode("test.pprof", pprof, 1 << 20), symbols, values);
        var result = new Dictionary<string, long>();
        foreach (var (node, value) in values[symbols.Types.GetOrAdd(type)])
        {
            var names = new List<string>();
            for (var n = node; n != 0; n = SymbolTables.ParentOf(symbols.Nodes[n]))
            {
                names.Insert(0, symbols.Frames[SymbolTables.FrameOf(symbols.Nodes[n])].Name);
            }
            result[string.Join(";", names)] = value;
        }
        return result;
    }

    [Fact]
    public void FramesSeenBeforeAreReusedAndFramesDifferingOnlyInWhereNameEndsAreKeptApart()
    {
        var symbols = new SymbolTables();
        // "Run" in "Ab.cs" and "RunA" in "b.cs" spell the same bytes end to end; they are different frames.
        string Leaf(string function, string file)
        {
            var profile = Pprofs.Create(["cpu/nanoseconds"], ([function], [1]));
            profile.StringTable.Add(file);
            profile.Function[0].Filename = profile.StringTable.Count - 1;
            var values = SampleIndexer.Index("test.pprof", PprofDecoder.Decode("test.pprof", profile.ToByteArray(), 1 << 20), symbols);
            var frame = symbols.Frames[SymbolTables.FrameOf(symbols.Nodes[values.Column(0).Single().Key])];
            return frame.Name + " @ " + frame.File;
        }

        Assert.Equal("Run @ Ab.cs", Leaf("Run", "Ab.cs"));
        Assert.Equal("RunA @ b.cs", Leaf("RunA", "b.cs"));
        Assert.Equal("Run @ Ab.cs", Leaf("Run", "Ab.cs"));
        Assert.Equal(2, symbols.Frames.Count);
    }

    [Fact]
    public void ATypeListedTwiceSumsIntoOneAndAllZeroSamplesStoreNothing()
    {
        var profile = Pprofs.Create(["cpu/nanoseconds", "cpu/nanoseconds"], (["Main", "Hot"], [3, 4]), (["Main", "Idle"], [0, 0]));
        var symbols = new SymbolTables();
        var values = SampleIndexer.Index("test.pprof", PprofDecoder.Decode("test.pprof", profile.ToByteArray(), 1 << 20), symbols);
        Assert.Equal([symbols.Types.GetOrAdd("cpu/nanoseconds")], values.Types);
        Assert.Equal(7, values.Column(0).Single().Value);
        var blob = values.Encode(0);
        var totals = new long[SampleBlob.MaxNode(blob) + 1];
        Assert.Equal(1, SampleBlob.AddTo(blob, totals));
        Assert.Equal(7, totals.Sum());
    }

    [Fact]
    public void InlinedLinesUnpackedFieldsAndUnknownFieldsAreRead()
    {
        var profile = Pprofs.Create(["cpu/nanoseconds"], (["Main", "Outer"], [5]));
        // Outer's location also holds an inlined Inner (pprof lists the innermost line first).
        profile.StringTable.Add("Inner");
        profile.Function.Add(new Function { Id = 99, Name = profile.StringTable.Count - 1 });
        profile.Location.Single(l => l.Id == profile.Sample[0].LocationId[0]).Line.Insert(0, new Line { FunctionId = 99 });
        var bytes = profile.ToByteArray().ToList();
        // A second sample written unpacked (one tag per value), followed by a field number pprof does not define.
        byte[] sample = [0x08, (byte)profile.Sample[0].LocationId[0], 0x08, (byte)profile.Sample[0].LocationId[1], 0x10, 7];
        bytes.AddRange([0x12, (byte)sample.Length, .. sample]);
        bytes.AddRange([0xF8, 0x01, 0x2A]); // field 31, varint 42

        var stacks = Index([.. bytes], "cpu/nanoseconds");
        Assert.Equal(12, stacks["Main;Outer;Inner"]);
        Assert.Single(stacks);
    }

    [Theory]
    [InlineData(new byte[] { 0x12, 0x05, 0x08 }, "past the end")]
    [InlineData(new byte[] { 0x12 }, "ends inside a number")]
    [InlineData(new byte[] { 0x0B }, "wire type 3")]
    [InlineData(new byte[] { 0x00 }, "field number")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "longer than 10 bytes")]
    public void MalformedProtobufIsRejectedWithTheReason(byte[] pprof, string reason)
    {
        var error = Assert.Throws<IntakeException>(() => Index(pprof, "cpu/nanoseconds"));
        Assert.Equal(400, error.StatusCode);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}

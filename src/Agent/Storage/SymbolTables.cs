namespace Flamewatch.Agent.Storage;

/// <summary>
/// Everything the store interns: applications, profile types, frames, call-tree nodes, and the
/// per-application sets (types seen, label values seen). Node 0 is the root of one call tree shared
/// by all applications; a node is (parent node, frame), so a stack is stored as its leaf node.
/// </summary>
internal sealed class SymbolTables
{
    public Interner<string> Applications { get; } = new(StringComparer.Ordinal);

    public Interner<string> Types { get; } = new(StringComparer.Ordinal);

    public Interner<Frame> Frames { get; } = new();

    /// <summary>Key = parent node id in the high 32 bits, frame id in the low 32 bits.</summary>
    public Interner<long> Nodes { get; } = new();

    /// <summary>(application id, type id) pairs seen.</summary>
    public Interner<(int Application, int Type)> ApplicationTypes { get; } = new();

    /// <summary>(application id, label key, label value) triples seen; the id is the label id profiles refer to.</summary>
    public Interner<(int Application, string Key, string Value)> Labels { get; } = new();

    /// <summary>
    /// (application id, label set) pairs seen: a series is the set of label ids a profile carries, spelled as the ids in
    /// ascending order joined by commas (see <see cref="SeriesKey"/>). Profiles refer to their series, so selecting by
    /// labels and grouping by a label read the few series, not each profile's labels.
    /// </summary>
    public Interner<(int Application, string Labels)> Series { get; } = new();

    /// <summary>Frame ids by their UTF-8 spelling in a pprof (derived, not stored; spellings over 1 KB are not cached).</summary>
    public SpanKeyCache<byte> FrameSpellings { get; } = new(capacity: 250_000);

    /// <summary>Leaf nodes of whole stacks seen recently (derived, not stored).</summary>
    public SpanKeyCache<int> Stacks { get; } = new(capacity: 1_000_000);

    /// <summary>The spelling of a label set in <see cref="Series"/>: distinct ids ascending, comma-separated.</summary>
    public static string SeriesKey(IEnumerable<int> labels) =>
        string.Join(',', labels.Distinct().Order().Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The label ids of a series' spelling.</summary>
    public static int[] SeriesLabels(string key) =>
        key.Length == 0 ? [] : [.. key.Split(',').Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))];

    public static long NodeKey(int parent, int frame) => ((long)parent << 32) | (uint)frame;

    public static int ParentOf(long key) => (int)(key >> 32);

    public static int FrameOf(long key) => (int)(uint)key;

    public int Node(int parent, int frame) => Nodes.GetOrAdd(NodeKey(parent, frame));

    /// <summary>The leaf node of a stack given as frame ids, root first.</summary>
    public int Stack(ReadOnlySpan<int> frames)
    {
        if (Stacks.TryGet(frames, out var leaf))
        {
            return leaf;
        }
        leaf = 0;
        foreach (var frame in frames)
        {
            leaf = Node(leaf, frame);
        }
        Stacks.Add(frames, leaf);
        return leaf;
    }
}

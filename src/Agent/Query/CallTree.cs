using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>
/// A merge seen as a call tree: the total of every node (its self value plus its descendants') and the children of
/// every node with a value. A node's parent always has a smaller id (parents are interned first), so one pass from
/// the highest id down adds every total into its parent.
/// </summary>
internal sealed class CallTree
{
    private readonly SymbolTables _symbols;
    private int[] _children = [];
    private int[]? _childStart;

    public CallTree(long[] self, SymbolTables symbols)
    {
        _symbols = symbols;
        Self = self;
        Total = new long[Math.Max(self.Length, 1)];
        Array.Copy(self, Total, self.Length);
        for (var node = Total.Length - 1; node > 0; node--)
        {
            if (Total[node] != 0)
            {
                Total[Parent(node)] += Total[node];
            }
        }
    }

    public long[] Self { get; }

    public long[] Total { get; }

    public long RootTotal => Total[0];

    public int Parent(int node) => SymbolTables.ParentOf(_symbols.Nodes[node]);

    public Frame Frame(int node) => _symbols.Frames[SymbolTables.FrameOf(_symbols.Nodes[node])];

    public long SelfOf(int node) => node < Self.Length ? Self[node] : 0;

    /// <summary>The children (with a non-zero total) of a node, in ascending id order.</summary>
    public ReadOnlySpan<int> Children(int node)
    {
        if (_childStart is null)
        {
            IndexChildren();
        }
        return node < Total.Length ? _children.AsSpan(_childStart![node], _childStart[node + 1] - _childStart[node]) : [];
    }

    /// <summary>
    /// Lists the children of every node in two flat arrays (children of node n at <c>_children[_childStart[n] ..
    /// _childStart[n + 1]]</c>): two passes over the totals, no object per node.
    /// </summary>
    private void IndexChildren()
    {
        var start = new int[Total.Length + 1];
        var nodes = _symbols.Nodes;
        var count = 0;
        for (var n = 1; n < Total.Length; n++)
        {
            if (Total[n] != 0)
            {
                start[SymbolTables.ParentOf(nodes[n]) + 1]++;
                count++;
            }
        }
        for (var n = 0; n < Total.Length; n++)
        {
            start[n + 1] += start[n];
        }
        var children = new int[count];
        var next = start[..^1];
        for (var n = 1; n < Total.Length; n++)
        {
            if (Total[n] != 0)
            {
                children[next[SymbolTables.ParentOf(nodes[n])]++] = n;
            }
        }
        _children = children;
        _childStart = start;
    }

    /// <summary>
    /// Self and total per function (frame name), largest total first. A function's total counts every stack it is
    /// on once, however often it recurses on it.
    /// </summary>
    public Dictionary<string, FunctionValues> Functions()
    {
        // Per function name id (frames of one name in several files are one function), summed along each leaf's stack.
        var nameIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var frameNameId = new Dictionary<int, int>();
        var names = new List<Frame>();
        var self = new List<long>();
        var total = new List<long>();
        var seen = new HashSet<int>();
        for (var leaf = 1; leaf < Self.Length; leaf++)
        {
            var value = Self[leaf];
            if (value == 0)
            {
                continue;
            }
            seen.Clear();
            for (var n = leaf; n != 0; n = Parent(n))
            {
                var frameId = SymbolTables.FrameOf(_symbols.Nodes[n]);
                if (!frameNameId.TryGetValue(frameId, out var id))
                {
                    var frame = _symbols.Frames[frameId];
                    if (!nameIds.TryGetValue(frame.Name, out id))
                    {
                        id = nameIds[frame.Name] = names.Count;
                        names.Add(frame);
                        self.Add(0);
                        total.Add(0);
                    }
                    frameNameId[frameId] = id;
                }
                if (n == leaf)
                {
                    self[id] += value;
                }
                if (seen.Add(id))
                {
                    total[id] += value;
                }
            }
        }
        var functions = new Dictionary<string, FunctionValues>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            functions[names[i].Name] = new FunctionValues(names[i].Name, names[i].File, self[i], total[i]);
        }
        return functions;
    }
}

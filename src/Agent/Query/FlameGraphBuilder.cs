using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>
/// Builds the merged call tree as d3-flame-graph reads it: <c>{name, value, children}</c> with
/// <c>value</c> the total, plus <c>self</c> and <c>file</c>. Nodes smaller than a fraction of the
/// root total are folded into their parent's self value to keep the answer small. Also lists the functions
/// (the top table): self and total per function name, largest total first.
/// </summary>
internal static class FlameGraphBuilder
{
    /// <summary>The top table lists at most this many functions.</summary>
    public const int MaxFunctions = 2000;

    public static FlameGraph Build(MergeResult merge, SymbolTables symbols, double minFraction)
    {
        var tree = new CallTree(merge.SelfByNode, symbols);
        var threshold = (long)Math.Ceiling(Math.Abs(tree.RootTotal) * minFraction);
        var root = Make(tree, 0, "root", "", threshold);
        var (name, unit) = ProfileTypes.Split(merge.Type);
        var functions = tree.Functions().Values.OrderByDescending(f => f.Total).ThenBy(f => f.Name, StringComparer.Ordinal).Take(MaxFunctions).ToList();
        return new FlameGraph(merge.Type, name, unit, merge.Gauge, merge.ProfileCount, merge.Start, merge.End, root, functions);
    }

    /// <summary>A node and its descendants of at least <paramref name="threshold"/>; smaller ones count as the node's self value.</summary>
    public static FlameNode Make(CallTree tree, int node, string name, string file, long threshold)
    {
        var kept = new List<FlameNode>();
        foreach (var c in tree.Children(node))
        {
            if (Math.Abs(tree.Total[c]) >= Math.Max(threshold, 1))
            {
                var frame = tree.Frame(c);
                kept.Add(Make(tree, c, frame.Name, frame.File, threshold));
            }
        }
        var kids = kept.OrderByDescending(c => c.Value).ToList();
        // Folded (pruned) descendants count as self time here, so self + children = total.
        return new FlameNode(name, file, tree.Total[node], tree.Total[node] - kids.Sum(k => k.Value), kids);
    }
}

using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>
/// Builds the merged call tree as d3-flame-graph reads it: <c>{name, value, children}</c> with
/// <c>value</c> the total, plus <c>self</c> and <c>file</c>. Nodes smaller than a fraction of the
/// root total are folded into their parent's self value to keep the answer small.
/// </summary>
internal static class FlameGraphBuilder
{
    public static FlameGraph Build(MergeResult merge, SymbolTables symbols, double minFraction)
    {
        var self = merge.SelfByNode;
        // A selection that matched no profile has no nodes at all: the root still exists, with value 0.
        var total = new long[Math.Max(self.Length, 1)];
        for (var node = self.Length - 1; node > 0; node--)
        {
            if (self[node] == 0)
            {
                continue;
            }
            // Walk to the root adding this node's self value to every ancestor (and itself).
            for (var n = node; ; n = SymbolTables.ParentOf(symbols.Nodes[n]))
            {
                total[n] += self[node];
                if (n == 0)
                {
                    break;
                }
            }
        }
        var threshold = (long)Math.Ceiling(Math.Abs(total[0]) * minFraction);
        var children = new Dictionary<int, List<int>>();
        for (var node = 1; node < total.Length; node++)
        {
            if (total[node] != 0 && Math.Abs(total[node]) >= threshold)
            {
                var parent = SymbolTables.ParentOf(symbols.Nodes[node]);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(node);
            }
        }

        FlameNode Make(int node, string name, string file)
        {
            var kids = children.TryGetValue(node, out var list)
                ? list.Select(c =>
                {
                    var frame = symbols.Frames[SymbolTables.FrameOf(symbols.Nodes[c])];
                    return Make(c, frame.Name, frame.File);
                }).OrderByDescending(c => c.Value).ToList()
                : [];
            // Folded (pruned) descendants count as self time here, so self + children = total.
            return new FlameNode(name, file, total[node], total[node] - kids.Sum(k => k.Value), kids);
        }

        var root = Make(0, "root", "");
        var slash = merge.Type.LastIndexOf('/');
        return new FlameGraph(
            merge.Type,
            slash < 0 ? merge.Type : merge.Type[..slash],
            slash < 0 ? "" : merge.Type[(slash + 1)..],
            merge.ProfileCount,
            root);
    }
}

internal sealed record FlameGraph(string Type, string Name, string Unit, int Profiles, FlameNode Root);

internal sealed record FlameNode(string Name, string File, long Value, long Self, IReadOnlyList<FlameNode> Children);

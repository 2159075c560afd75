using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>
/// The sandwich view of one function: its callers (the stacks leading to it, merged, the function at the root and
/// its direct callers as children) and its callees (everything it calls, merged over every place it is called from).
/// Where the function recurses, only its outermost calls count, so no value is counted twice.
/// </summary>
internal static class SandwichBuilder
{
    public static Sandwich? Build(MergeResult merge, SymbolTables symbols, string function, double minFraction)
    {
        var tree = new CallTree(merge.SelfByNode, symbols);
        var callers = new Accumulator(function, "");
        var callees = new Accumulator(function, "");
        // within[n]: the function is on the stack of n (n included), so a deeper call of it is nested, not outermost.
        var within = new bool[tree.Total.Length];
        var found = false;
        for (var node = 1; node < tree.Total.Length; node++)
        {
            if (tree.Total[node] == 0)
            {
                continue;
            }
            var frame = tree.Frame(node);
            var parent = tree.Parent(node);
            var nested = within[parent];
            within[node] = nested || frame.Name == function;
            if (nested || frame.Name != function)
            {
                continue;
            }
            found = true;
            callers.File = callees.File = frame.File;
            var total = tree.Total[node];
            callers.Value += total;
            callees.Value += total;
            // Callers: walk up to the root.
            var into = callers;
            for (var n = parent; n != 0; n = tree.Parent(n))
            {
                var caller = tree.Frame(n);
                into = into.Child(caller.Name, caller.File);
                into.Value += total;
            }
            AddSubtree(tree, node, callees);
        }
        if (!found)
        {
            return null;
        }
        var threshold = Math.Max((long)Math.Ceiling(Math.Abs(callees.Value) * minFraction), 1);
        var (name, unit) = ProfileTypes.Split(merge.Type);
        return new Sandwich(merge.Type, name, unit, merge.Gauge, merge.ProfileCount, function, tree.RootTotal,
            callers.ToNode(threshold), callees.ToNode(threshold));
    }

    private static void AddSubtree(CallTree tree, int node, Accumulator into)
    {
        into.Self += tree.SelfOf(node);
        foreach (var child in tree.Children(node))
        {
            var frame = tree.Frame(child);
            var target = into.Child(frame.Name, frame.File);
            target.Value += tree.Total[child];
            AddSubtree(tree, child, target);
        }
    }

    /// <summary>A tree merged by frame name.</summary>
    private sealed class Accumulator(string name, string file)
    {
        private readonly Dictionary<string, Accumulator> _children = new(StringComparer.Ordinal);

        public string File { get; set; } = file;

        public long Value { get; set; }

        public long Self { get; set; }

        public Accumulator Child(string childName, string childFile)
        {
            if (!_children.TryGetValue(childName, out var child))
            {
                child = _children[childName] = new Accumulator(childName, childFile);
            }
            return child;
        }

        public FlameNode ToNode(long threshold)
        {
            var kids = _children.Values.Where(c => Math.Abs(c.Value) >= threshold).Select(c => c.ToNode(threshold)).OrderByDescending(c => c.Value).ToList();
            return new FlameNode(name, File, Value, Value - kids.Sum(k => k.Value), kids);
        }
    }
}

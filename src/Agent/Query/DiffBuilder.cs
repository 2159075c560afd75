using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>
/// Compares two merges of one type (two time ranges, or two label selections): one call tree holding both values
/// of every frame, and the functions with both values. Both merges index the same shared call tree, so a frame is
/// the same node on both sides.
/// </summary>
internal static class DiffBuilder
{
    public static Diff Build(MergeResult baseline, MergeResult comparison, SymbolTables symbols, double minFraction)
    {
        var b = new CallTree(baseline.SelfByNode, symbols);
        var c = new CallTree(comparison.SelfByNode, symbols);
        var thresholdB = Math.Max((long)Math.Ceiling(Math.Abs(b.RootTotal) * minFraction), 1);
        var thresholdC = Math.Max((long)Math.Ceiling(Math.Abs(c.RootTotal) * minFraction), 1);

        DiffNode Make(int node, string name, string file)
        {
            // The baseline's children, then the comparison's that the baseline lacks (both in ascending id order).
            var candidates = new List<int>();
            var baselineKids = b.Children(node);
            foreach (var k in baselineKids)
            {
                candidates.Add(k);
            }
            foreach (var k in c.Children(node))
            {
                if (baselineKids.BinarySearch(k) < 0)
                {
                    candidates.Add(k);
                }
            }
            var kids = candidates
                .Where(k => Math.Abs(Value(b, k)) >= thresholdB || Math.Abs(Value(c, k)) >= thresholdC)
                .Select(k =>
                {
                    var frame = b.Frame(k);
                    return Make(k, frame.Name, frame.File);
                })
                .OrderByDescending(k => k.Baseline + k.Comparison).ToList();
            var baselineTotal = Value(b, node);
            var comparisonTotal = Value(c, node);
            return new DiffNode(name, file, baselineTotal, comparisonTotal,
                baselineTotal - kids.Sum(k => k.Baseline), comparisonTotal - kids.Sum(k => k.Comparison), kids);
        }

        var baselineFunctions = b.Functions();
        var comparisonFunctions = c.Functions();
        var functions = baselineFunctions.Keys.Union(comparisonFunctions.Keys)
            .Select(name =>
            {
                var before = baselineFunctions.GetValueOrDefault(name);
                var after = comparisonFunctions.GetValueOrDefault(name);
                return new DiffFunction(name, (before ?? after)!.File, new SideValues(before?.Self ?? 0, before?.Total ?? 0), new SideValues(after?.Self ?? 0, after?.Total ?? 0));
            })
            .OrderByDescending(f => Math.Max(Share(f.Baseline.Total, b.RootTotal), Share(f.Comparison.Total, c.RootTotal)))
            .ThenBy(f => f.Name, StringComparer.Ordinal)
            .Take(FlameGraphBuilder.MaxFunctions)
            .ToList();
        var (typeName, unit) = ProfileTypes.Split(baseline.Type);
        return new Diff(baseline.Type, typeName, unit, baseline.Gauge,
            new DiffSide(baseline.ProfileCount, b.RootTotal, baseline.Start, baseline.End),
            new DiffSide(comparison.ProfileCount, c.RootTotal, comparison.Start, comparison.End),
            Make(0, "root", ""), functions);
    }

    private static long Value(CallTree tree, int node) => node < tree.Total.Length ? tree.Total[node] : 0;

    private static double Share(long value, long total) => total == 0 ? 0 : Math.Abs((double)value / total);
}

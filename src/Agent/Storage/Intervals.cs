namespace Flamewatch.Agent.Storage;

/// <summary>Unions of time intervals (ms): how long a set of profiles covers, gaps and overlaps counted once.</summary>
internal static class Intervals
{
    /// <summary>The disjoint, sorted union of the given [start, end) intervals; empty intervals count as 1 ms.</summary>
    public static List<(long Start, long End)> Union(IEnumerable<(long Start, long End)> intervals)
    {
        var sorted = intervals.Select(i => (i.Start, End: Math.Max(i.End, i.Start + 1))).OrderBy(i => i.Start).ToList();
        var union = new List<(long Start, long End)>();
        foreach (var (start, end) in sorted)
        {
            if (union.Count > 0 && start <= union[^1].End)
            {
                union[^1] = (union[^1].Start, Math.Max(union[^1].End, end));
            }
            else
            {
                union.Add((start, end));
            }
        }
        return union;
    }

    public static long Length(IReadOnlyList<(long Start, long End)> union) => union.Sum(i => i.End - i.Start);

    /// <summary>How much of [from, to) the disjoint sorted <paramref name="union"/> covers.</summary>
    public static long Covered(IReadOnlyList<(long Start, long End)> union, long from, long to)
    {
        long covered = 0;
        foreach (var (start, end) in union)
        {
            if (start >= to)
            {
                break;
            }
            covered += Math.Max(0, Math.Min(end, to) - Math.Max(start, from));
        }
        return covered;
    }
}

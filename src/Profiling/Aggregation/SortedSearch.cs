namespace Flamewatch.Profiling.Aggregation;

/// <summary>Binary search over items sorted by a start address.</summary>
internal static class SortedSearch
{
    /// <summary>Index of the last item whose start is ≤ <paramref name="address"/>, or −1.</summary>
    public static int LastAtOrBelow<T>(T[] sorted, ulong address, Func<T, ulong> start)
    {
        int lo = 0, hi = sorted.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (start(sorted[mid]) <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }
}

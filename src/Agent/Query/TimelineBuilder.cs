using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>
/// Per-period totals of a selection over time, optionally one series per value of a label. A profile's value is
/// spread over the buckets its period overlaps. Counters are summed per bucket; gauges are averaged over the time
/// the profiles cover in the bucket, and their series totals over the time the whole selection covers (as a merge
/// averages them), so the series add up to the total.
/// </summary>
internal static class TimelineBuilder
{
    /// <summary>Bucket widths to choose from (seconds): the smallest that gives at most <see cref="TargetBuckets"/>.</summary>
    private static readonly int[] NiceSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

    public const int TargetBuckets = 240;

    public const int MaxBuckets = 5000;

    /// <param name="rows">The selected profiles.</param>
    /// <param name="groups">Label id → value of the grouping label; null for one series.</param>
    /// <param name="maxSeries">Series beyond this many (largest totals first) are summed into one.</param>
    /// <param name="step">Bucket width; null to choose one.</param>
    /// <param name="withValues">False: series totals only (the label explorer).</param>
    public static Timeline Build(string type, bool gauge, long fromMs, long toMs, IReadOnlyList<ProfileTotal> rows,
        IReadOnlyDictionary<int, string>? groups, int maxSeries, TimeSpan? step, bool withValues)
    {
        var stepMs = (long)(step?.TotalMilliseconds ?? NiceSteps.Select(s => s * 1000L).FirstOrDefault(s => (toMs - fromMs) / s < TargetBuckets, NiceSteps[^1] * 1000L));
        var firstMs = fromMs - ((fromMs % stepMs) + stepMs) % stepMs;
        var buckets = withValues ? (int)((toMs - firstMs + stepMs - 1) / stepMs) : 0;
        if (buckets > MaxBuckets)
        {
            throw QueryException.BadRequest($"a step of {stepMs / 1000.0:0.###} s gives {buckets} points over this range, more than {MaxBuckets}; choose a larger step");
        }

        var union = gauge ? Intervals.Union(rows.Select(r => (r.StartMs, r.EndMs))) : [];
        var covered = Math.Max(Intervals.Length(union), 1);
        var bucketCovered = new double[buckets];
        for (var i = 0; gauge && i < buckets; i++)
        {
            bucketCovered[i] = Intervals.Covered(union, firstMs + (i * stepMs), firstMs + ((i + 1) * stepMs));
        }

        // One accumulator per label id (0: profiles without the label; always 0 when not grouped).
        var series = new Dictionary<int, (double Total, int Profiles, double[] Values)>();
        foreach (var row in rows)
        {
            var key = groups is null ? 0 : row.Label;
            if (!series.TryGetValue(key, out var s))
            {
                s = (0, 0, new double[buckets]);
            }
            var duration = Math.Max(row.EndMs - row.StartMs, 1);
            s.Total += gauge ? (double)row.Total * duration / covered : row.Total;
            s.Profiles++;
            if (buckets > 0)
            {
                var from = Math.Max(row.StartMs, firstMs);
                var to = Math.Min(Math.Max(row.EndMs, row.StartMs + 1), firstMs + (buckets * stepMs));
                for (var b = (int)Math.Max(0, (from - firstMs) / stepMs); from < to && b < buckets; b++)
                {
                    var bucketStart = firstMs + (b * stepMs);
                    var overlap = Math.Min(to, bucketStart + stepMs) - Math.Max(from, bucketStart);
                    if (overlap > 0)
                    {
                        s.Values[b] += gauge
                            ? bucketCovered[b] > 0 ? (double)row.Total * overlap / bucketCovered[b] : 0
                            : (double)row.Total * overlap / duration;
                    }
                }
            }
            series[key] = s;
        }

        var ordered = series.OrderByDescending(s => Math.Abs(s.Value.Total)).ThenBy(s => groups?.GetValueOrDefault(s.Key) ?? "", StringComparer.Ordinal).ToList();
        var result = new List<TimelineSeries>();
        foreach (var (key, s) in ordered.Take(maxSeries))
        {
            var value = groups is null || key == 0 ? null : groups[key];
            var name = groups is null ? "total" : value ?? "(no value)";
            result.Add(new TimelineSeries(name, value, Round(s.Total), s.Profiles, [.. s.Values.Select(Round)]));
        }
        var rest = ordered.Skip(maxSeries).ToList();
        if (rest.Count > 0)
        {
            var values = new double[buckets];
            foreach (var (_, s) in rest)
            {
                for (var b = 0; b < buckets; b++)
                {
                    values[b] += s.Values[b];
                }
            }
            result.Add(new TimelineSeries($"({rest.Count} more)", null, Round(rest.Sum(s => s.Value.Total)), rest.Sum(s => s.Value.Profiles), [.. values.Select(Round)], Other: true));
        }
        var (typeName, unit) = ProfileTypes.Split(type);
        return new Timeline(type, typeName, unit, gauge,
            DateTimeOffset.FromUnixTimeMilliseconds(fromMs), DateTimeOffset.FromUnixTimeMilliseconds(toMs),
            DateTimeOffset.FromUnixTimeMilliseconds(firstMs), stepMs / 1000.0,
            rows.Count, Round(series.Values.Sum(s => s.Total)), result);
    }

    private static long Round(double value) => (long)Math.Round(value);
}

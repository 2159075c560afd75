using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Flamewatch.Agent.Storage;

/// <summary>The read side of the store: counting, merging and per-profile totals of a selection.</summary>
internal sealed partial class ProfileStore
{
    /// <summary>How many profiles the selection holds (what a merge would read).</summary>
    public int CountProfiles(StoredSelection selection)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sample_totals t WHERE " + Where(command, selection);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The selected profiles' values per call-tree node. A counter type (CPU time, allocations) is summed. A gauge type
    /// (a snapshot such as the live heap) is averaged over time: each profile weighs by its duration and the sum is
    /// divided by the time the profiles cover (their union), so 22 periods of ~100 MB give ~100 MB, not 2.2 GB, and the
    /// heaps of pods profiled side by side add up.
    /// </summary>
    public MergeResult Merge(StoredSelection selection, bool gauge, CancellationToken cancellationToken)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT t.start_ms, t.end_ms, s.data FROM sample_totals t JOIN samples s ON s.profile = t.profile AND s.type = t.type WHERE "
            + Where(command, selection);
        long[] totals = [];
        double[] weighted = [];
        var periods = new List<(long Start, long End)>();
        using var reader = command.ExecuteReader();
        var sized = false;
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!sized)
            {
                // The read snapshot is taken now; every blob in it was committed after its nodes were interned, so the
                // node count read after the first row bounds every node id the blobs hold.
                var size = Symbols.Nodes.Count + 1;
                if (gauge)
                {
                    weighted = new double[size];
                }
                else
                {
                    totals = new long[size];
                }
                sized = true;
            }
            var (start, end) = (reader.GetInt64(0), reader.GetInt64(1));
            var blob = (byte[])reader.GetValue(2);
            if (gauge)
            {
                SampleBlob.AddTo(blob, weighted, Math.Max(end - start, 1));
            }
            else
            {
                SampleBlob.AddTo(blob, totals);
            }
            periods.Add((start, end));
        }
        if (gauge)
        {
            var covered = Math.Max(Intervals.Length(Intervals.Union(periods)), 1);
            totals = new long[weighted.Length];
            for (var i = 0; i < weighted.Length; i++)
            {
                totals[i] = (long)Math.Round(weighted[i] / covered);
            }
        }
        return periods.Count == 0
            ? new MergeResult(selection.Type, totals, 0, gauge)
            : new MergeResult(selection.Type, totals, periods.Count, gauge,
                DateTimeOffset.FromUnixTimeMilliseconds(periods.Min(p => p.Start)), DateTimeOffset.FromUnixTimeMilliseconds(periods.Max(p => p.End)));
    }

    /// <summary>
    /// Every selected profile's period and total (kept per profile at intake with its period and series, so one range
    /// scan of <c>sample_totals</c> answers and no sample or label row is read), with the id of its value of one label
    /// when <paramref name="groupLabels"/> names that label's ids.
    /// </summary>
    public List<ProfileTotal> Totals(StoredSelection selection, IReadOnlyCollection<int>? groupLabels, CancellationToken cancellationToken)
    {
        // The group of each series: the one of its labels among groupLabels (0: none); extended for series interned
        // while the query runs.
        var symbols = Symbols;
        var wanted = groupLabels is { Count: > 0 } ? groupLabels.ToHashSet() : null;
        var groupOf = Array.Empty<int>();
        void MapSeries()
        {
            var mapped = groupOf.Length;
            Array.Resize(ref groupOf, symbols.Series.Count + 1);
            for (var id = Math.Max(mapped, 1); wanted is not null && id < groupOf.Length; id++)
            {
                var (application, labels) = symbols.Series[id];
                if (application == selection.Application)
                {
                    groupOf[id] = SymbolTables.SeriesLabels(labels).FirstOrDefault(wanted.Contains);
                }
            }
        }
        MapSeries();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT t.start_ms, t.end_ms, t.total, t.series FROM sample_totals t WHERE " + Where(command, selection);
        var rows = new List<ProfileTotal>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if ((rows.Count & 0xfff) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var series = reader.GetInt32(3);
            if (series >= groupOf.Length)
            {
                MapSeries();
            }
            rows.Add(new ProfileTotal(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), series < groupOf.Length ? groupOf[series] : 0));
        }
        return rows;
    }

    /// <summary>
    /// The WHERE clause (over <c>sample_totals t</c>: one range of its primary key) of a selection, its parameters added
    /// to <paramref name="command"/>. Label equalities become the list of series that hold every one of them.
    /// </summary>
    private string Where(SqliteCommand command, StoredSelection selection)
    {
        var sql = new StringBuilder("t.application = $app AND t.type = $type AND t.start_ms < $to AND t.start_ms >= $minStart AND t.end_ms > $from");
        if (selection.LabelIds.Count > 0)
        {
            var symbols = Symbols;
            var matching = new List<int>();
            for (var id = 1; id <= symbols.Series.Count; id++)
            {
                var (application, labels) = symbols.Series[id];
                if (application == selection.Application && selection.LabelIds.All(SymbolTables.SeriesLabels(labels).Contains))
                {
                    matching.Add(id);
                }
            }
            sql.Append(" AND t.series IN (").AppendJoin(',', matching.Select(id => id.ToString(CultureInfo.InvariantCulture))).Append(')');
        }
        command.Parameters.AddWithValue("$type", selection.TypeId);
        command.Parameters.AddWithValue("$app", selection.Application);
        command.Parameters.AddWithValue("$from", selection.FromMs);
        command.Parameters.AddWithValue("$to", selection.ToMs);
        // Profiles are at most a day long (checked at intake), so the start index bounds the scan.
        command.Parameters.AddWithValue("$minStart", selection.FromMs - (long)MaxProfileDuration.TotalMilliseconds);
        return sql.ToString();
    }
}

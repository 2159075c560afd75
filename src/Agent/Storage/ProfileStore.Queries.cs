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
        command.CommandText = "SELECT count(*) FROM profiles p JOIN sample_totals t ON t.profile = p.id AND t.type = $type WHERE " + Where(command, selection);
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
        command.CommandText = "SELECT p.start_ms, p.end_ms, s.data FROM profiles p JOIN samples s ON s.profile = p.id AND s.type = $type WHERE "
            + Where(command, selection);
        var size = Symbols.Nodes.Count + 1;
        var totals = gauge ? [] : new long[size];
        var weighted = gauge ? new double[size] : [];
        var periods = new List<(long Start, long End)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (start, end) = (reader.GetInt64(0), reader.GetInt64(1));
            var blob = (byte[])reader.GetValue(2);
            var maxNode = SampleBlob.MaxNode(blob);
            if (maxNode >= size)
            {
                size = Math.Max(maxNode + 1, Symbols.Nodes.Count + 1);
                if (gauge)
                {
                    Array.Resize(ref weighted, size);
                }
                else
                {
                    Array.Resize(ref totals, size);
                }
            }
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
    /// Every selected profile's period and total (kept per profile at intake, so no sample is read), with the id of its
    /// value of one label when <paramref name="groupLabels"/> names that label's ids.
    /// </summary>
    public List<ProfileTotal> Totals(StoredSelection selection, IReadOnlyCollection<int>? groupLabels, CancellationToken cancellationToken)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        var grouped = groupLabels is { Count: > 0 };
        var sql = new StringBuilder("SELECT p.start_ms, p.end_ms, t.total");
        sql.Append(grouped ? ", g.label" : ", 0");
        sql.Append(" FROM profiles p JOIN sample_totals t ON t.profile = p.id AND t.type = $type");
        if (grouped)
        {
            sql.Append(" LEFT JOIN profile_labels g ON g.profile = p.id AND g.label IN (")
                .AppendJoin(',', groupLabels!.Select(l => l.ToString(CultureInfo.InvariantCulture))).Append(')');
        }
        sql.Append(" WHERE ").Append(Where(command, selection));
        command.CommandText = sql.ToString();
        var rows = new List<ProfileTotal>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if ((rows.Count & 0xfff) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            rows.Add(new ProfileTotal(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.IsDBNull(3) ? 0 : reader.GetInt32(3)));
        }
        return rows;
    }

    /// <summary>The WHERE clause (over <c>profiles p</c>) of a selection, its parameters added to <paramref name="command"/>.</summary>
    private static string Where(SqliteCommand command, StoredSelection selection)
    {
        var sql = new StringBuilder("p.application = $app AND p.start_ms < $to AND p.start_ms >= $minStart AND p.end_ms > $from");
        for (var i = 0; i < selection.LabelIds.Count; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND p.id IN (SELECT profile FROM profile_labels WHERE label = $l{i})");
            command.Parameters.AddWithValue($"$l{i}", selection.LabelIds[i]);
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

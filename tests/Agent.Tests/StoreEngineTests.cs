using System.Buffers.Binary;
using Flamewatch.Agent.Storage;
using Microsoft.Data.Sqlite;

namespace Flamewatch.Agent.Tests;

/// <summary>The SQLite engine under the profile store: WAL journaling and group commit of concurrent writes.</summary>
public sealed class StoreEngineTests
{
    [Fact]
    public async Task ConcurrentProfilesAreCommittedInFewWalTransactions()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await TestAgent.StartAsync();
        var store = agent.Store;
        var application = store.Symbols.Applications.GetOrAdd("group-commit");
        var type = store.Symbols.Types.GetOrAdd("wall/nanoseconds");
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        const int Profiles = 300;

        // Queued at once, as a burst of uploads is: the single writer commits them in batches, not one transaction each.
        var adds = Enumerable.Range(0, Profiles)
            .Select(i => store.AddAsync(new NewProfile(application, start, start.AddSeconds(10), [], [new(type, new byte[64])]), cts.Token))
            .ToList();
        var ids = await Task.WhenAll(adds);
        Assert.Equal(Profiles, ids.Distinct().Count());

        await using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(cts.Token);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal(Profiles, Convert.ToInt32(Scalar(connection, "SELECT count(*) FROM profiles"), System.Globalization.CultureInfo.InvariantCulture));
        var version = new Version(Scalar(connection, "SELECT sqlite_version()"));
        Assert.True(version >= new Version(3, 50), $"SQLite {version}");

        var commits = WalCommits(store.DatabasePath + "-wal");
        Assert.InRange(commits, 1, Profiles / 10);
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    /// <summary>Commit frames of the current WAL generation (frames whose salt matches the header's and that carry a database size).</summary>
    private static int WalCommits(string walPath)
    {
        using var stream = new FileStream(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8));
        var salt1 = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16));
        var salt2 = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20));
        var commits = 0;
        for (var offset = 32; offset + 24 + pageSize <= bytes.Length; offset += 24 + pageSize)
        {
            var frame = bytes.AsSpan(offset);
            if (BinaryPrimitives.ReadUInt32BigEndian(frame[8..]) != salt1 || BinaryPrimitives.ReadUInt32BigEndian(frame[12..]) != salt2)
            {
                break;
            }

            if (BinaryPrimitives.ReadUInt32BigEndian(frame[4..]) != 0)
            {
                commits++;
            }
        }

        return commits;
    }
}

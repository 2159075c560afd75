using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Flamewatch.Agent.Storage;

/// <summary>
/// The profile database: one SQLite file in WAL mode under the data directory. A single writer task
/// commits whatever has queued up in one transaction (group commit, synchronous=FULL), so each
/// acknowledged upload is durable and a failed write leaves nothing half-stored. Readers use their
/// own connections and see committed data only.
/// </summary>
internal sealed partial class ProfileStore : IHostedService, IAsyncDisposable
{
    public const string FileName = "profiles.db";

    /// <summary>Profiles longer than this are rejected at intake, which bounds time-range scans.</summary>
    public static readonly TimeSpan MaxProfileDuration = TimeSpan.FromDays(1);

    private const int MaxBatch = 512;

    private readonly AgentOptions _options;
    private readonly ILogger<ProfileStore> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<WriteCommand> _commands = Channel.CreateUnbounded<WriteCommand>(new UnboundedChannelOptions { SingleReader = true });
    private string _connectionString = "";
    private SqliteConnection? _writer;
    private Task? _writerLoop;
    private long _storedBytes;

    public ProfileStore(IOptions<AgentOptions> options, ILogger<ProfileStore> logger, TimeProvider timeProvider)
    {
        _options = options.Value;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public SymbolTables Symbols { get; } = new();

    /// <summary>Bytes of sample data stored (what retention by size counts).</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    /// <summary>Whether the database is open and the writer runs (the agent is ready for uploads and queries).</summary>
    public bool IsOpen => Volatile.Read(ref _writerLoop) is not null;

    public string DatabasePath => Path.Combine(Path.GetFullPath(_options.DataDir), FileName);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        SQLitePCL.Batteries_V2.Init();
        Directory.CreateDirectory(Path.GetFullPath(_options.DataDir));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        Execute(_writer, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS applications(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE IF NOT EXISTS types(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE IF NOT EXISTS frames(id INTEGER PRIMARY KEY, name TEXT NOT NULL, file TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS nodes(id INTEGER PRIMARY KEY, parent INTEGER NOT NULL, frame INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS application_types(id INTEGER PRIMARY KEY, application INTEGER NOT NULL, type INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS labels(id INTEGER PRIMARY KEY, application INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS profiles(id INTEGER PRIMARY KEY, application INTEGER NOT NULL, start_ms INTEGER NOT NULL,
                end_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL, bytes INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS profiles_by_start ON profiles(application, start_ms);
            CREATE INDEX IF NOT EXISTS profiles_by_end ON profiles(end_ms);
            CREATE TABLE IF NOT EXISTS profile_labels(label INTEGER NOT NULL, profile INTEGER NOT NULL, PRIMARY KEY(label, profile)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS profile_labels_by_profile ON profile_labels(profile);
            CREATE TABLE IF NOT EXISTS samples(profile INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(profile, type));
            CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, application INTEGER NOT NULL, labels TEXT NOT NULL);
            """);
        var earlierTotals = UpgradeTotals(_writer);
        Execute(_writer, """
            CREATE TABLE IF NOT EXISTS sample_totals(application INTEGER NOT NULL, type INTEGER NOT NULL, start_ms INTEGER NOT NULL,
                profile INTEGER NOT NULL, end_ms INTEGER NOT NULL, series INTEGER NOT NULL, total INTEGER NOT NULL,
                PRIMARY KEY(application, type, start_ms, profile)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS sample_totals_by_profile ON sample_totals(profile);
            """);
        LoadSymbols(_writer);
        BackfillTotals(_writer, earlierTotals);
        using (var command = _writer.CreateCommand())
        {
            command.CommandText = "SELECT count(*), coalesce(sum(bytes), 0) FROM profiles";
            using var reader = command.ExecuteReader();
            reader.Read();
            _storedBytes = reader.GetInt64(1);
            _logger.StoreOpened(DatabasePath, reader.GetInt64(0), _storedBytes);
        }
        _writerLoop = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _commands.Writer.TryComplete();
        if (_writerLoop is not null)
        {
            await _writerLoop.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _commands.Writer.TryComplete();
        if (_writerLoop is not null)
        {
            await _writerLoop;
        }
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Stores a profile; completes once it is committed. Returns its id.</summary>
    public Task<long> AddAsync(NewProfile profile, CancellationToken cancellationToken)
    {
        // Interned before the profile is queued, so the batch that stores the profile stores its series too.
        var series = Symbols.Series.GetOrAdd((profile.Application, SymbolTables.SeriesKey(profile.Labels)));
        var command = new AddCommand(profile, series);
        if (!_commands.Writer.TryWrite(command))
        {
            throw new InvalidOperationException("The profile store is shutting down.");
        }
        return command.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Deletes profiles that ended before <paramref name="cutoff"/>, then the oldest until the data fits <paramref name="maxBytes"/>.</summary>
    public Task<(int Profiles, long Bytes)> ApplyRetentionAsync(DateTimeOffset cutoff, long maxBytes, CancellationToken cancellationToken)
    {
        var command = new RetentionCommand(cutoff.ToUnixTimeMilliseconds(), maxBytes);
        if (!_commands.Writer.TryWrite(command))
        {
            throw new InvalidOperationException("The profile store is shutting down.");
        }
        return command.Completion.Task.WaitAsync(cancellationToken);
    }

    public IReadOnlyList<ApplicationInfo> GetApplications()
    {
        var symbols = Symbols;
        var result = new List<ApplicationInfo>();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT application, min(start_ms), max(end_ms), count(*) FROM profiles GROUP BY application";
        using var reader = command.ExecuteReader();
        var ranges = new Dictionary<int, (long From, long To, long Count)>();
        while (reader.Read())
        {
            ranges[reader.GetInt32(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        var types = new Dictionary<int, SortedSet<string>>();
        for (var i = 1; i <= symbols.ApplicationTypes.Count; i++)
        {
            var (app, type) = symbols.ApplicationTypes[i];
            (types.TryGetValue(app, out var set) ? set : types[app] = new SortedSet<string>(StringComparer.Ordinal)).Add(symbols.Types[type]);
        }
        var labels = new Dictionary<int, SortedDictionary<string, SortedSet<string>>>();
        for (var i = 1; i <= symbols.Labels.Count; i++)
        {
            var (app, key, value) = symbols.Labels[i];
            var byKey = labels.TryGetValue(app, out var l) ? l : labels[app] = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            (byKey.TryGetValue(key, out var values) ? values : byKey[key] = new SortedSet<string>(StringComparer.Ordinal)).Add(value);
        }
        foreach (var (app, range) in ranges.OrderBy(r => symbols.Applications[r.Key], StringComparer.Ordinal))
        {
            result.Add(new ApplicationInfo(
                symbols.Applications[app],
                [.. types.GetValueOrDefault(app) ?? []],
                (labels.GetValueOrDefault(app) ?? []).ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value]),
                DateTimeOffset.FromUnixTimeMilliseconds(range.From),
                DateTimeOffset.FromUnixTimeMilliseconds(range.To),
                range.Count));
        }
        return result;
    }

    /// <summary>The profile types stored for an application, from the interned symbols (no database read).</summary>
    public IReadOnlyCollection<string> ProfileTypesOf(string application)
    {
        var symbols = Symbols;
        var types = new List<string>();
        if (symbols.Applications.TryGetId(application, out var app))
        {
            for (var i = 1; i <= symbols.ApplicationTypes.Count; i++)
            {
                if (symbols.ApplicationTypes[i].Application == app)
                {
                    types.Add(symbols.Types[symbols.ApplicationTypes[i].Type]);
                }
            }
        }
        return types;
    }

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>
    /// A database whose <c>sample_totals</c> kept the total only (profile, type, total) has that table renamed to
    /// <c>sample_totals_earlier</c>, so <see cref="BackfillTotals"/> reuses its totals and the table gets its present form.
    /// </summary>
    /// <returns>Whether such a table is there to reuse.</returns>
    private static bool UpgradeTotals(SqliteConnection connection)
    {
        var columns = new List<string>();
        Read(connection, "SELECT name FROM pragma_table_info('sample_totals')", r => columns.Add(r.GetString(0)));
        if (columns.Count > 0 && !columns.Contains("series"))
        {
            Execute(connection, "DROP TABLE IF EXISTS sample_totals_earlier; ALTER TABLE sample_totals RENAME TO sample_totals_earlier;");
        }
        var earlier = false;
        Read(connection, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sample_totals_earlier'", _ => earlier = true);
        return earlier;
    }

    /// <summary>
    /// Profiles stored before per-profile totals and series were kept get them once, at startup: the series from
    /// their labels, the total from an earlier totals table or else from the stored samples (the timeline and the
    /// label explorer read totals only).
    /// </summary>
    private void BackfillTotals(SqliteConnection connection, bool earlierTotals)
    {
        var missing = new List<(long Profile, int Application, long Start, long End, long Type, long Total)>();
        Read(connection, $"""
            SELECT p.id, p.application, p.start_ms, p.end_ms, s.type, {(earlierTotals ? "e.total, CASE WHEN e.total IS NULL THEN s.data END" : "NULL, s.data")}
            FROM samples s JOIN profiles p ON p.id = s.profile
            {(earlierTotals ? "LEFT JOIN sample_totals_earlier e ON e.profile = s.profile AND e.type = s.type" : "")}
            WHERE NOT EXISTS (SELECT 1 FROM sample_totals t INDEXED BY sample_totals_by_profile WHERE t.profile = s.profile AND t.type = s.type)
            """, r => missing.Add((r.GetInt64(0), r.GetInt32(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4),
                r.IsDBNull(5) ? SampleBlob.Sum((byte[])r.GetValue(6)) : r.GetInt64(5))));
        if (missing.Count > 0)
        {
            var labels = new Dictionary<long, List<int>>();
            Read(connection, "SELECT profile, label FROM profile_labels", r =>
            {
                var profile = r.GetInt64(0);
                (labels.TryGetValue(profile, out var list) ? list : labels[profile] = []).Add(r.GetInt32(1));
            });
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT OR REPLACE INTO sample_totals(application, type, start_ms, profile, end_ms, series, total)
                VALUES ($a, $t, $s, $p, $e, $g, $v)
                """;
            var parameters = new[] { "$a", "$t", "$s", "$p", "$e", "$g", "$v" }.Select(n => insert.Parameters.Add(n, SqliteType.Integer)).ToArray();
            foreach (var row in missing)
            {
                var series = Symbols.Series.GetOrAdd((row.Application, SymbolTables.SeriesKey(labels.GetValueOrDefault(row.Profile) ?? [])));
                object[] values = [row.Application, row.Type, row.Start, row.Profile, row.End, series, row.Total];
                for (var i = 0; i < values.Length; i++)
                {
                    parameters[i].Value = values[i];
                }
                insert.ExecuteNonQuery();
            }
            WriteSymbols(transaction, TakePendingSymbols());
            transaction.Commit();
        }
        if (earlierTotals)
        {
            Execute(connection, "DROP TABLE sample_totals_earlier");
        }
    }

    private void LoadSymbols(SqliteConnection connection)
    {
        var symbols = Symbols;
        Read(connection, "SELECT id, name FROM applications", r => symbols.Applications.Load(r.GetInt32(0), r.GetString(1)));
        Read(connection, "SELECT id, name FROM types", r => symbols.Types.Load(r.GetInt32(0), r.GetString(1)));
        Read(connection, "SELECT id, name, file FROM frames", r => symbols.Frames.Load(r.GetInt32(0), new Frame(r.GetString(1), r.GetString(2))));
        Read(connection, "SELECT id, parent, frame FROM nodes", r => symbols.Nodes.Load(r.GetInt32(0), SymbolTables.NodeKey(r.GetInt32(1), r.GetInt32(2))));
        Read(connection, "SELECT id, application, type FROM application_types", r => symbols.ApplicationTypes.Load(r.GetInt32(0), (r.GetInt32(1), r.GetInt32(2))));
        Read(connection, "SELECT id, application, key, value FROM labels", r => symbols.Labels.Load(r.GetInt32(0), (r.GetInt32(1), r.GetString(2), r.GetString(3))));
        Read(connection, "SELECT id, application, labels FROM series", r => symbols.Series.Load(r.GetInt32(0), (r.GetInt32(1), r.GetString(2))));
    }

    private async Task WriteLoop()
    {
        var batch = new List<WriteCommand>(MaxBatch);
        while (await _commands.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _commands.Reader.TryRead(out var command))
            {
                batch.Add(command);
            }
            var pending = TakePendingSymbols();
            try
            {
                using var transaction = _writer!.BeginTransaction();
                WriteSymbols(transaction, pending);
                using var added = new AddBatch(_writer, transaction);
                foreach (var command in batch)
                {
                    command.Execute(this, transaction, added);
                }
                transaction.Commit();
                foreach (var command in batch)
                {
                    command.Commit(this);
                }
            }
            catch (Exception ex)
            {
                _logger.StoreWriteFailed(batch.Count, ex);
                ReturnPendingSymbols(pending);
                foreach (var command in batch)
                {
                    command.Fail(ex);
                }
            }
        }
    }

    private PendingSymbols TakePendingSymbols()
    {
        var s = Symbols;
        // Profiles reach the queue only after their symbols were interned, so taking the pending
        // symbols after the batch was read includes everything the batch refers to.
        return new PendingSymbols(s.Applications.TakePending(), s.Types.TakePending(), s.Frames.TakePending(),
            s.Nodes.TakePending(), s.ApplicationTypes.TakePending(), s.Labels.TakePending(), s.Series.TakePending());
    }

    private void ReturnPendingSymbols(PendingSymbols pending)
    {
        var s = Symbols;
        s.Applications.ReturnPending(pending.Applications);
        s.Types.ReturnPending(pending.Types);
        s.Frames.ReturnPending(pending.Frames);
        s.Nodes.ReturnPending(pending.Nodes);
        s.ApplicationTypes.ReturnPending(pending.ApplicationTypes);
        s.Labels.ReturnPending(pending.Labels);
        s.Series.ReturnPending(pending.Series);
    }

    private void WriteSymbols(SqliteTransaction transaction, PendingSymbols pending)
    {
        var s = Symbols;
        Insert(transaction, "INSERT OR IGNORE INTO applications(id, name) VALUES ($0, $1)", pending.Applications, id => [id, s.Applications[id]]);
        Insert(transaction, "INSERT OR IGNORE INTO types(id, name) VALUES ($0, $1)", pending.Types, id => [id, s.Types[id]]);
        Insert(transaction, "INSERT OR IGNORE INTO frames(id, name, file) VALUES ($0, $1, $2)", pending.Frames, id => [id, s.Frames[id].Name, s.Frames[id].File]);
        Insert(transaction, "INSERT OR IGNORE INTO nodes(id, parent, frame) VALUES ($0, $1, $2)", pending.Nodes,
            id => [id, SymbolTables.ParentOf(s.Nodes[id]), SymbolTables.FrameOf(s.Nodes[id])]);
        Insert(transaction, "INSERT OR IGNORE INTO application_types(id, application, type) VALUES ($0, $1, $2)", pending.ApplicationTypes,
            id => [id, s.ApplicationTypes[id].Application, s.ApplicationTypes[id].Type]);
        Insert(transaction, "INSERT OR IGNORE INTO labels(id, application, key, value) VALUES ($0, $1, $2, $3)", pending.Labels,
            id => [id, s.Labels[id].Application, s.Labels[id].Key, s.Labels[id].Value]);
        Insert(transaction, "INSERT OR IGNORE INTO series(id, application, labels) VALUES ($0, $1, $2)", pending.Series,
            id => [id, s.Series[id].Application, s.Series[id].Labels]);
    }

    private static void Insert(SqliteTransaction transaction, string sql, List<int> ids, Func<int, object[]> values)
    {
        if (ids.Count == 0)
        {
            return;
        }
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        var first = values(ids[0]);
        var parameters = new SqliteParameter[first.Length];
        for (var i = 0; i < first.Length; i++)
        {
            parameters[i] = command.Parameters.Add($"${i}", first[i] is string ? SqliteType.Text : SqliteType.Integer);
        }
        command.Prepare();
        foreach (var id in ids)
        {
            var row = values(id);
            for (var i = 0; i < row.Length; i++)
            {
                parameters[i].Value = row[i];
            }
            command.ExecuteNonQuery();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Read(SqliteConnection connection, string sql, Action<SqliteDataReader> row)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }

    private sealed record PendingSymbols(List<int> Applications, List<int> Types, List<int> Frames, List<int> Nodes, List<int> ApplicationTypes, List<int> Labels, List<int> Series);

    /// <summary>Prepared statements shared by the inserts of one transaction.</summary>
    private sealed class AddBatch : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;
        private SqliteCommand? _profile;
        private SqliteCommand? _label;
        private SqliteCommand? _sample;
        private SqliteCommand? _total;

        public AddBatch(SqliteConnection connection, SqliteTransaction transaction)
        {
            _connection = connection;
            _transaction = transaction;
        }

        public void Dispose()
        {
            _profile?.Dispose();
            _label?.Dispose();
            _sample?.Dispose();
            _total?.Dispose();
        }

        public SqliteCommand Profile => _profile ??= Prepare(
            "INSERT INTO profiles(application, start_ms, end_ms, received_ms, bytes) VALUES ($0, $1, $2, $3, $4) RETURNING id", 5);

        public SqliteCommand Label => _label ??= Prepare("INSERT OR IGNORE INTO profile_labels(label, profile) VALUES ($0, $1)", 2);

        public SqliteCommand Sample => _sample ??= Prepare("INSERT INTO samples(profile, type, data) VALUES ($0, $1, $2)", 3);

        public SqliteCommand Total => _total ??= Prepare(
            "INSERT OR REPLACE INTO sample_totals(application, type, start_ms, profile, end_ms, series, total) VALUES ($0, $1, $2, $3, $4, $5, $6)", 7);

        private SqliteCommand Prepare(string sql, int parameters)
        {
            var command = _connection.CreateCommand();
            command.Transaction = _transaction;
            command.CommandText = sql;
            for (var i = 0; i < parameters; i++)
            {
                command.Parameters.Add(new SqliteParameter($"${i}", null));
            }
            return command;
        }

        public static long Run(SqliteCommand command, params object[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i];
            }
            return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private abstract class WriteCommand
    {
        public abstract void Execute(ProfileStore store, SqliteTransaction transaction, AddBatch batch);

        public abstract void Commit(ProfileStore store);

        public abstract void Fail(Exception exception);
    }

    private sealed class AddCommand(NewProfile profile, int series) : WriteCommand
    {
        private long _id;

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(ProfileStore store, SqliteTransaction transaction, AddBatch batch)
        {
            var (start, end) = (profile.Start.ToUnixTimeMilliseconds(), profile.End.ToUnixTimeMilliseconds());
            _id = AddBatch.Run(batch.Profile, profile.Application, start, end, store._timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), profile.Bytes);
            foreach (var label in profile.Labels)
            {
                AddBatch.Run(batch.Label, label, _id);
            }
            foreach (var (type, data) in profile.Samples)
            {
                AddBatch.Run(batch.Sample, _id, type, data);
                AddBatch.Run(batch.Total, profile.Application, type, start, _id, end, series, SampleBlob.Sum(data));
            }
        }

        public override void Commit(ProfileStore store)
        {
            Interlocked.Add(ref store._storedBytes, profile.Bytes);
            Completion.TrySetResult(_id);
        }

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    private sealed class RetentionCommand(long cutoffMs, long maxBytes) : WriteCommand
    {
        private int _profiles;
        private long _bytes;

        public TaskCompletionSource<(int, long)> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(ProfileStore store, SqliteTransaction transaction, AddBatch batch)
        {
            var stored = store.StoredBytes;
            var victims = new List<long>();
            using (var select = transaction.Connection!.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT id, bytes, end_ms FROM profiles ORDER BY end_ms";
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var expired = reader.GetInt64(2) < cutoffMs;
                    if (!expired && stored - _bytes <= maxBytes)
                    {
                        break;
                    }
                    victims.Add(reader.GetInt64(0));
                    _bytes += reader.GetInt64(1);
                }
            }
            _profiles = victims.Count;
            using var delete = transaction.Connection!.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM samples WHERE profile = $id; DELETE FROM sample_totals WHERE profile = $id; DELETE FROM profile_labels WHERE profile = $id; DELETE FROM profiles WHERE id = $id;";
            var id = delete.Parameters.Add("$id", SqliteType.Integer);
            foreach (var victim in victims)
            {
                id.Value = victim;
                delete.ExecuteNonQuery();
            }
        }

        public override void Commit(ProfileStore store)
        {
            Interlocked.Add(ref store._storedBytes, -_bytes);
            Completion.TrySetResult((_profiles, _bytes));
        }

        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }
}

using System.Collections.Concurrent;

namespace Flamewatch.Agent.Storage;

/// <summary>
/// Gives each distinct key a dense id (from 1) and remembers which ids the database has not stored yet.
/// Lookups of known keys are lock-free; a miss takes a lock. Ids below <see cref="Count"/> never change,
/// so readers can map ids back to keys without locking.
/// </summary>
internal sealed class Interner<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, int> _ids;
    private readonly Lock _gate = new();
    private TKey[] _keys = new TKey[256];
    private int _count;
    private List<int> _pending = [];

    public Interner(IEqualityComparer<TKey>? comparer = null)
    {
        _ids = new ConcurrentDictionary<TKey, int>(comparer);
    }

    /// <summary>Highest id handed out so far.</summary>
    public int Count => Volatile.Read(ref _count);

    public TKey this[int id] => Volatile.Read(ref _keys)[id];

    public bool TryGetId(TKey key, out int id) => _ids.TryGetValue(key, out id);

    public int GetOrAdd(TKey key)
    {
        if (_ids.TryGetValue(key, out var id))
        {
            return id;
        }
        lock (_gate)
        {
            if (_ids.TryGetValue(key, out id))
            {
                return id;
            }
            id = _count + 1;
            Place(id, key);
            _pending.Add(id);
            _ids[key] = id;
            return id;
        }
    }

    /// <summary>Adds a key read back from the database (already stored, so not pending).</summary>
    public void Load(int id, TKey key)
    {
        lock (_gate)
        {
            Place(id, key);
            _ids[key] = id;
        }
    }

    /// <summary>Takes the ids not yet stored; give them back with <see cref="ReturnPending"/> if storing fails.</summary>
    public List<int> TakePending()
    {
        lock (_gate)
        {
            var taken = _pending;
            _pending = [];
            return taken;
        }
    }

    public void ReturnPending(List<int> ids)
    {
        lock (_gate)
        {
            _pending.InsertRange(0, ids);
        }
    }

    private void Place(int id, TKey key)
    {
        var keys = _keys;
        if (id >= keys.Length)
        {
            var grown = new TKey[Math.Max(keys.Length * 2, id + 1)];
            Array.Copy(keys, grown, keys.Length);
            keys = grown;
        }
        keys[id] = key;
        Volatile.Write(ref _keys, keys);
        if (id > _count)
        {
            Volatile.Write(ref _count, id);
        }
    }
}

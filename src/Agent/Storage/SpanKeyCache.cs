using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Flamewatch.Agent.Storage;

/// <summary>
/// A bounded, in-memory map from sequences (looked up as spans, so a hit allocates nothing) to ids. The store
/// uses it for what repeats from upload to upload: whole stacks (frame ids, root first, to their leaf node)
/// and frames as a pprof spells them (UTF-8 bytes, to the frame id). Derived data, never stored: when full,
/// new keys still work, uncached.
/// </summary>
internal sealed class SpanKeyCache<T>
    where T : unmanaged, IEquatable<T>
{
    private readonly ConcurrentDictionary<T[], int> _ids = new(Comparer.Instance);
    private readonly ConcurrentDictionary<T[], int>.AlternateLookup<ReadOnlySpan<T>> _lookup;
    private readonly int _capacity;

    public SpanKeyCache(int capacity)
    {
        _capacity = capacity;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<T>>();
    }

    public int Count => _ids.Count;

    public bool TryGet(ReadOnlySpan<T> key, out int id) => _lookup.TryGetValue(key, out id);

    public void Add(ReadOnlySpan<T> key, int id)
    {
        if (_ids.Count < _capacity)
        {
            _lookup.TryAdd(key, id);
        }
    }

    private sealed class Comparer : IEqualityComparer<T[]>, IAlternateEqualityComparer<ReadOnlySpan<T>, T[]>
    {
        public static readonly Comparer Instance = new();

        public bool Equals(T[]? x, T[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(T[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<T> alternate, T[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<T> alternate) => Hash(alternate);

        public T[] Create(ReadOnlySpan<T> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<T> key)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(key));
            return hash.ToHashCode();
        }
    }
}

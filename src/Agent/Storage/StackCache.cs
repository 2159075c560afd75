using System.Collections.Concurrent;

namespace Flamewatch.Agent.Storage;

/// <summary>
/// Remembers the leaf node of whole stacks (frame ids, root first), so a stack seen before costs one hash
/// lookup instead of one trie step per frame. Pods of one application repeat the same stacks period after
/// period, so most lookups hit. Purely in memory and bounded: when full, new stacks still work, uncached.
/// </summary>
internal sealed class StackCache
{
    private readonly ConcurrentDictionary<int[], int> _leaves = new(Comparer.Instance);
    private readonly ConcurrentDictionary<int[], int>.AlternateLookup<ReadOnlySpan<int>> _lookup;
    private readonly int _capacity;

    public StackCache(int capacity)
    {
        _capacity = capacity;
        _lookup = _leaves.GetAlternateLookup<ReadOnlySpan<int>>();
    }

    public int Count => _leaves.Count;

    public bool TryGet(ReadOnlySpan<int> frames, out int leaf) => _lookup.TryGetValue(frames, out leaf);

    public void Add(ReadOnlySpan<int> frames, int leaf)
    {
        if (_leaves.Count < _capacity)
        {
            _lookup.TryAdd(frames, leaf);
        }
    }

    private sealed class Comparer : IEqualityComparer<int[]>, IAlternateEqualityComparer<ReadOnlySpan<int>, int[]>
    {
        public static readonly Comparer Instance = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<int> alternate, int[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<int> alternate) => Hash(alternate);

        public int[] Create(ReadOnlySpan<int> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<int> frames)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(frames));
            return hash.ToHashCode();
        }
    }
}

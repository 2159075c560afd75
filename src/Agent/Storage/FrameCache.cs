using System.Collections.Concurrent;

namespace Flamewatch.Agent.Storage;

/// <summary>
/// Frame ids by the raw UTF-8 bytes a pprof spells a frame with, so a frame seen before costs one hash
/// lookup instead of decoding two strings and hashing them. Purely in memory and bounded: when full, new
/// frames still work, uncached. Different byte spellings of one frame (invalid UTF-8) just get separate entries.
/// </summary>
internal sealed class FrameCache
{
    private readonly ConcurrentDictionary<byte[], int> _frames = new(Comparer.Instance);
    private readonly ConcurrentDictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly int _capacity;

    public FrameCache(int capacity)
    {
        _capacity = capacity;
        _lookup = _frames.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _frames.Count;

    /// <summary>The key of a frame: the name's length, the name, then the file (so no two frames share a key).</summary>
    public static ReadOnlySpan<byte> Key(ReadOnlySpan<byte> name, ReadOnlySpan<byte> file, ref byte[] scratch)
    {
        var length = 4 + name.Length + file.Length;
        if (scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, 2 * scratch.Length)];
        }
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(scratch, name.Length);
        name.CopyTo(scratch.AsSpan(4));
        file.CopyTo(scratch.AsSpan(4 + name.Length));
        return scratch.AsSpan(0, length);
    }

    public bool TryGet(ReadOnlySpan<byte> key, out int frame) => _lookup.TryGetValue(key, out frame);

    public void Add(ReadOnlySpan<byte> key, int frame)
    {
        if (_frames.Count < _capacity)
        {
            _lookup.TryAdd(key, frame);
        }
    }

    private sealed class Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Comparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> key)
        {
            var hash = new HashCode();
            hash.AddBytes(key);
            return hash.ToHashCode();
        }
    }
}

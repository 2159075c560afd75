using System.Buffers;
using System.Runtime.InteropServices;

namespace Flamewatch.Agent.Storage;

/// <summary>
/// The values of one pprof attachment summed per call-tree leaf node: one row per node, one column per
/// (distinct) profile type, so a sample costs one hash lookup whatever its number of types. Encodes each
/// column straight into the stored blob form (<see cref="SampleBlob"/>), rows sorted by node once for all types.
/// </summary>
internal sealed class StackValues
{
    private readonly Dictionary<int, int> _rowOfNode;
    private readonly int[] _types;
    private int[] _nodes;
    private long[] _values;
    private int _rows;
    private int[]? _sorted;

    /// <param name="types">Type id of each column (distinct).</param>
    /// <param name="capacity">Rows to make room for up front.</param>
    public StackValues(int[] types, int capacity)
    {
        _types = types;
        _rowOfNode = new Dictionary<int, int>(capacity);
        _nodes = new int[Math.Max(capacity, 16)];
        _values = new long[_nodes.Length * Math.Max(types.Length, 1)];
    }

    /// <summary>Type id of each column.</summary>
    public IReadOnlyList<int> Types => _types;

    /// <summary>The row of <paramref name="node"/> (one value per column), added as zeros if new.</summary>
    public Span<long> Row(int node)
    {
        ref var row = ref CollectionsMarshal.GetValueRefOrAddDefault(_rowOfNode, node, out var exists);
        if (!exists)
        {
            if (_rows == _nodes.Length)
            {
                Array.Resize(ref _nodes, _nodes.Length * 2);
                Array.Resize(ref _values, _values.Length * 2);
            }
            row = _rows++;
            _nodes[row] = node;
        }
        return _values.AsSpan(row * _types.Length, _types.Length);
    }

    /// <summary>The non-zero values of one column by node.</summary>
    public IEnumerable<KeyValuePair<int, long>> Column(int column)
    {
        for (var row = 0; row < _rows; row++)
        {
            var value = _values[(row * _types.Length) + column];
            if (value != 0)
            {
                yield return new(_nodes[row], value);
            }
        }
    }

    /// <summary>One column in the stored form: (node, value) pairs with a non-zero value, sorted by node.</summary>
    public byte[] Encode(int column)
    {
        if (_sorted is null)
        {
            _sorted = new int[_rows];
            var keys = _nodes.AsSpan(0, _rows).ToArray();
            for (var i = 0; i < _sorted.Length; i++)
            {
                _sorted[i] = i;
            }
            Array.Sort(keys, _sorted);
        }
        var count = 0;
        foreach (var row in _sorted)
        {
            if (_values[(row * _types.Length) + column] != 0)
            {
                count++;
            }
        }
        var buffer = ArrayPool<byte>.Shared.Rent(10 + (count * 15));
        try
        {
            var at = SampleBlob.WriteVarint(buffer, 0, (ulong)count);
            var previous = 0;
            foreach (var row in _sorted)
            {
                var value = _values[(row * _types.Length) + column];
                if (value != 0)
                {
                    var node = _nodes[row];
                    at = SampleBlob.WriteVarint(buffer, at, (ulong)(node - previous));
                    at = SampleBlob.WriteVarint(buffer, at, (ulong)((value << 1) ^ (value >> 63)));
                    previous = node;
                }
            }
            return buffer.AsSpan(0, at).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

namespace Flamewatch.Agent.Storage;

/// <summary>
/// The stored form of one profile type of one profile: (leaf node, value) pairs sorted by node,
/// as varint node deltas and zigzag varint values. Merging many profiles is then a sum into an array.
/// </summary>
internal static class SampleBlob
{
    public static byte[] Encode(Dictionary<int, long> valuesByNode)
    {
        var nodes = valuesByNode.Keys.ToArray();
        Array.Sort(nodes);
        var buffer = new byte[5 + (nodes.Length * 15)];
        var at = WriteVarint(buffer, 0, (ulong)nodes.Length);
        var previous = 0;
        foreach (var node in nodes)
        {
            at = WriteVarint(buffer, at, (ulong)(node - previous));
            var value = valuesByNode[node];
            at = WriteVarint(buffer, at, (ulong)((value << 1) ^ (value >> 63)));
            previous = node;
        }
        return buffer.AsSpan(0, at).ToArray();
    }

    /// <summary>Adds the blob's values into <paramref name="totals"/> (indexed by node id).</summary>
    /// <returns>The number of entries read.</returns>
    public static int AddTo(ReadOnlySpan<byte> blob, long[] totals)
    {
        var at = 0;
        var count = (int)ReadVarint(blob, ref at);
        var node = 0;
        for (var i = 0; i < count; i++)
        {
            var value = ReadEntry(blob, ref at, ref node);
            totals[node] += value;
        }
        return count;
    }

    /// <summary>Adds the blob's values, multiplied by <paramref name="weight"/>, into <paramref name="totals"/> (indexed by node id).</summary>
    public static void AddTo(ReadOnlySpan<byte> blob, double[] totals, double weight)
    {
        var at = 0;
        var count = (int)ReadVarint(blob, ref at);
        var node = 0;
        for (var i = 0; i < count; i++)
        {
            var value = ReadEntry(blob, ref at, ref node);
            totals[node] += value * weight;
        }
    }

    /// <summary>One entry: the node id's delta (advancing <paramref name="node"/>) and its zigzag-encoded value.</summary>
    private static long ReadEntry(ReadOnlySpan<byte> blob, ref int at, ref int node)
    {
        node += (int)ReadVarint(blob, ref at);
        var zigzag = ReadVarint(blob, ref at);
        return (long)(zigzag >> 1) ^ -(long)(zigzag & 1);
    }

    /// <summary>The sum of the blob's values: the profile's total for its type.</summary>
    public static long Sum(ReadOnlySpan<byte> blob)
    {
        var at = 0;
        var count = (int)ReadVarint(blob, ref at);
        long sum = 0;
        for (var i = 0; i < count; i++)
        {
            ReadVarint(blob, ref at);
            var zigzag = ReadVarint(blob, ref at);
            sum += (long)(zigzag >> 1) ^ -(long)(zigzag & 1);
        }
        return sum;
    }

    /// <summary>The largest node id a blob refers to, so the caller can size its array.</summary>
    public static int MaxNode(ReadOnlySpan<byte> blob)
    {
        var at = 0;
        var count = (int)ReadVarint(blob, ref at);
        var node = 0;
        for (var i = 0; i < count; i++)
        {
            node += (int)ReadVarint(blob, ref at);
            ReadVarint(blob, ref at);
        }
        return node;
    }

    public static int WriteVarint(byte[] buffer, int at, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[at++] = (byte)value;
        return at;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> blob, ref int at)
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var b = blob[at++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return result;
            }
            shift += 7;
        }
    }
}

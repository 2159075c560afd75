using System.Text;

namespace Flamewatch.Agent.Intake;

/// <summary>
/// Reads the parts of a pprof (perftools.profiles.Profile, protobuf wire format) the agent indexes, without
/// materialising a message per sample: sample types, functions, locations, mappings and the string table are
/// read up front; samples are visited in place with reused buffers. Accepts packed and unpacked repeated
/// fields; anything that is not well-formed protobuf is rejected with the reason.
/// </summary>
internal sealed class PprofReader
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly string _attachment;
    private readonly List<(int Offset, int Length)> _strings = [];
    private readonly List<(int Offset, int Length)> _samples = [];
    private string?[] _stringCache = [];
    private byte[]? _rented;

    private PprofReader(ReadOnlyMemory<byte> buffer, string attachment, byte[]? rented)
    {
        _buffer = buffer;
        _attachment = attachment;
        _rented = rented;
    }

    public delegate void SampleVisitor(ReadOnlySpan<ulong> locationIds, ReadOnlySpan<long> values);

    public List<(long Type, long Unit)> SampleTypes { get; } = [];

    public List<(ulong Id, long Name, long SystemName, long FileName)> Functions { get; } = [];

    /// <summary>Function ids of each location's lines, in pprof order (innermost first).</summary>
    public List<(ulong Id, ulong MappingId, ulong Address, ulong[] FunctionIds)> Locations { get; } = [];

    public List<(ulong Id, long FileName)> Mappings { get; } = [];

    /// <summary>When the profile was collected (pprof <c>time_nanos</c>, unix nanoseconds); 0 when absent.</summary>
    public long TimeNanos { get; private set; }

    /// <summary>The profile's span (pprof <c>duration_nanos</c>); 0 when absent.</summary>
    public long DurationNanos { get; private set; }

    public int StringCount => _strings.Count;

    public int SampleCount => _samples.Count;

    /// <param name="rented">The pooled array <paramref name="raw"/> lives in, given back by <see cref="ReturnBuffer"/> (or on a read error).</param>
    public static PprofReader Read(ReadOnlyMemory<byte> raw, string attachment, byte[]? rented = null)
    {
        var reader = new PprofReader(raw, attachment, rented);
        try
        {
            reader.ReadProfile();
        }
        catch
        {
            reader.ReturnBuffer();
            throw;
        }
        return reader;
    }

    /// <summary>Gives a pooled buffer back once the profile has been indexed; the reader must not be used after.</summary>
    public void ReturnBuffer()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The string at <paramref name="index"/>, or null when out of range.</summary>
    public string? GetString(long index)
    {
        if (index < 0 || index >= _strings.Count)
        {
            return null;
        }
        if (_stringCache.Length != _strings.Count)
        {
            _stringCache = new string?[_strings.Count];
        }
        var (offset, length) = _strings[(int)index];
        return _stringCache[index] ??= Encoding.UTF8.GetString(_buffer.Span.Slice(offset, length));
    }

    /// <summary>The UTF-8 bytes of the string at <paramref name="index"/>; false when out of range.</summary>
    public bool TryGetStringBytes(long index, out ReadOnlySpan<byte> bytes)
    {
        if (index < 0 || index >= _strings.Count)
        {
            bytes = default;
            return false;
        }
        var (offset, length) = _strings[(int)index];
        bytes = _buffer.Span.Slice(offset, length);
        return true;
    }

    public void VisitSamples(SampleVisitor visitor)
    {
        var locations = new ulong[64];
        var values = new long[8];
        foreach (var (offset, length) in _samples)
        {
            var locationCount = 0;
            var valueCount = 0;
            var span = _buffer.Span.Slice(offset, length);
            var at = 0;
            while (at < span.Length)
            {
                var (field, wire) = Tag(span, ref at);
                switch (field, wire)
                {
                    case (1, 0):
                        Append(ref locations, ref locationCount, Varint(span, ref at));
                        break;
                    case (1, 2):
                        var packedLocations = Bytes(span, ref at);
                        for (var p = 0; p < packedLocations.Length;)
                        {
                            Append(ref locations, ref locationCount, Varint(packedLocations, ref p));
                        }
                        break;
                    case (2, 0):
                        Append(ref values, ref valueCount, (long)Varint(span, ref at));
                        break;
                    case (2, 2):
                        var packedValues = Bytes(span, ref at);
                        for (var p = 0; p < packedValues.Length;)
                        {
                            Append(ref values, ref valueCount, (long)Varint(packedValues, ref p));
                        }
                        break;
                    default:
                        Skip(span, ref at, wire);
                        break;
                }
            }
            visitor(locations.AsSpan(0, locationCount), values.AsSpan(0, valueCount));
        }
    }

    private static void Append<T>(ref T[] buffer, ref int count, T value)
    {
        if (count == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        buffer[count++] = value;
    }

    private void ReadProfile()
    {
        var span = _buffer.Span;
        var at = 0;
        while (at < span.Length)
        {
            var (field, wire) = Tag(span, ref at);
            if (wire == 0 && field is 9 or 10)
            {
                var value = (long)Varint(span, ref at);
                if (field == 9)
                {
                    TimeNanos = value;
                }
                else
                {
                    DurationNanos = value;
                }
                continue;
            }
            if (wire != 2 || field is < 1 or > 6)
            {
                Skip(span, ref at, wire);
                continue;
            }
            var message = Bytes(span, ref at);
            switch (field)
            {
                case 1:
                    ReadValueType(message);
                    break;
                case 2:
                    _samples.Add((at - message.Length, message.Length));
                    break;
                case 3:
                    ReadMapping(message);
                    break;
                case 4:
                    ReadLocation(message);
                    break;
                case 5:
                    ReadFunction(message);
                    break;
                case 6:
                    _strings.Add((at - message.Length, message.Length));
                    break;
            }
        }
    }

    private void ReadValueType(ReadOnlySpan<byte> message)
    {
        Span<ulong> v = stackalloc ulong[3];
        ReadFields(message, v);
        SampleTypes.Add(((long)v[1], (long)v[2]));
    }

    private void ReadMapping(ReadOnlySpan<byte> message)
    {
        Span<ulong> v = stackalloc ulong[6];
        ReadFields(message, v);
        Mappings.Add((v[1], (long)v[5]));
    }

    private void ReadLocation(ReadOnlySpan<byte> message)
    {
        Span<ulong> v = stackalloc ulong[4];
        var lines = new List<ulong>(1);
        ReadFields(message, v, lines);
        Locations.Add((v[1], v[2], v[3], [.. lines]));
    }

    private void ReadFunction(ReadOnlySpan<byte> message)
    {
        Span<ulong> v = stackalloc ulong[5];
        ReadFields(message, v);
        Functions.Add((v[1], (long)v[2], (long)v[3], (long)v[4]));
    }

    /// <summary>
    /// Reads a message's varint fields numbered below <c>varints.Length</c> into <paramref name="varints"/> (the last
    /// occurrence wins) and skips the others; with <paramref name="lineFunctions"/>, field 4 is a Location's Line
    /// whose function id is collected.
    /// </summary>
    private void ReadFields(ReadOnlySpan<byte> message, Span<ulong> varints, List<ulong>? lineFunctions = null)
    {
        Span<ulong> line = stackalloc ulong[2];
        var at = 0;
        while (at < message.Length)
        {
            var (field, wire) = Tag(message, ref at);
            if (wire == 0 && field < varints.Length)
            {
                varints[field] = Varint(message, ref at);
            }
            else if (lineFunctions is not null && (field, wire) == (4, 2))
            {
                line.Clear();
                ReadFields(Bytes(message, ref at), line);
                lineFunctions.Add(line[1]);
            }
            else
            {
                Skip(message, ref at, wire);
            }
        }
    }

    private (int Field, int Wire) Tag(ReadOnlySpan<byte> span, ref int at)
    {
        var tag = Varint(span, ref at);
        var field = tag >> 3;
        if (field is 0 or > int.MaxValue)
        {
            throw Invalid("a field number is out of range");
        }
        return ((int)field, (int)(tag & 7));
    }

    private ulong Varint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= span.Length)
            {
                throw Invalid("the data ends inside a number");
            }
            var b = span[at++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw Invalid("a number is longer than 10 bytes");
    }

    private ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> span, ref int at)
    {
        var length = Varint(span, ref at);
        if (length > (ulong)(span.Length - at))
        {
            throw Invalid("a length runs past the end of the data");
        }
        var bytes = span.Slice(at, (int)length);
        at += (int)length;
        return bytes;
    }

    private void Skip(ReadOnlySpan<byte> span, ref int at, int wire)
    {
        switch (wire)
        {
            case 0:
                Varint(span, ref at);
                break;
            case 1:
                At(span, ref at, 8);
                break;
            case 2:
                Bytes(span, ref at);
                break;
            case 5:
                At(span, ref at, 4);
                break;
            default:
                throw Invalid($"wire type {wire} is not valid here");
        }
    }

    private void At(ReadOnlySpan<byte> span, ref int at, int length)
    {
        if (span.Length - at < length)
        {
            throw Invalid("the data ends inside a fixed-size field");
        }
        at += length;
    }

    private IntakeException Invalid(string reason) =>
        IntakeException.BadRequest($"attachment {PprofDecoder.Quote(_attachment)} is not a valid pprof profile: {reason}");
}

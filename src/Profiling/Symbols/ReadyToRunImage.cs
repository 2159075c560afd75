using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;

namespace Flamewatch.Profiling.Symbols;

/// <summary>
/// The code ranges of a ReadyToRun image's methods, read from the image file itself: its ReadyToRun header's
/// RuntimeFunctions (code ranges) and MethodDefEntryPoints (method → first runtime function) sections, named from its
/// metadata. Rundown does not list every precompiled method (ReadyToRun-compiled P/Invoke stubs such as
/// <c>Interop+Sys.WaitForSocketEvents</c> are missing), so frames in them are looked up here.
/// Generic instantiations (InstanceMethodEntryPoints) are not read. Not thread-safe to build; immutable after.
/// </summary>
internal sealed class ReadyToRunImage
{
    private const uint Signature = 0x00525452; // "RTR"
    private const int RuntimeFunctionsSection = 102;
    private const int MethodDefEntryPointsSection = 103;
    private const int RuntimeFunctionSize = 12; // x64 and arm64 (without unwind data): begin, end, unwind

    private readonly CodeRange[] _ranges;

    private ReadyToRunImage(CodeRange[] ranges, IReadOnlyList<(uint Start, uint End)> executableSections)
    {
        _ranges = ranges;
        ExecutableSections = executableSections;
    }

    /// <summary>Relative virtual addresses of the image's executable sections.</summary>
    public IReadOnlyList<(uint Start, uint End)> ExecutableSections { get; }

    public int MethodCount => _ranges.Length;

    /// <summary>Reads an image; null when it is not a ReadyToRun image or cannot be read.</summary>
    public static ReadyToRunImage? TryRead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            return Read(pe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The method whose code holds <paramref name="rva"/>, or null.</summary>
    public string? Resolve(uint rva)
    {
        var found = Aggregation.SortedSearch.LastAtOrBelow(_ranges, rva, static r => r.Start);
        return found >= 0 && rva < _ranges[found].End ? _ranges[found].Name : null;
    }

    private static ReadyToRunImage? Read(PEReader pe)
    {
        var headers = pe.PEHeaders;
        var native = headers.CorHeader?.ManagedNativeHeaderDirectory;
        if (native is not { Size: > 0 } directory || !pe.HasMetadata)
        {
            return null;
        }
        var image = ImmutableCollectionsMarshal.AsArray(pe.GetEntireImage().GetContent())!;
        ReadOnlySpan<byte> header = Slice(image, headers, directory.RelativeVirtualAddress, directory.Size);
        if (header.Length < 16 || BinaryPrimitives.ReadUInt32LittleEndian(header) != Signature)
        {
            return null;
        }
        var sections = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        ReadOnlySpan<byte> functions = default, entryPoints = default;
        var entryPointsRva = 0;
        for (var i = 0; i < sections; i++)
        {
            var entry = header.Slice(16 + (i * 12), 12);
            var (type, rva, size) = (BinaryPrimitives.ReadInt32LittleEndian(entry), BinaryPrimitives.ReadInt32LittleEndian(entry[4..]), BinaryPrimitives.ReadInt32LittleEndian(entry[8..]));
            if (type == RuntimeFunctionsSection)
            {
                functions = Slice(image, headers, rva, size);
            }
            else if (type == MethodDefEntryPointsSection)
            {
                entryPoints = Slice(image, headers, rva, size);
                entryPointsRva = rva;
            }
        }
        if (functions.IsEmpty || entryPoints.IsEmpty)
        {
            return null;
        }

        var metadata = pe.GetMetadataReader();
        var array = new NativeArray(image, headers, entryPointsRva);
        var starts = new List<(int Function, MethodDefinitionHandle Method)>();
        var count = Math.Min(array.Count, metadata.MethodDefinitions.Count);
        for (var rid = 1; rid <= count; rid++)
        {
            if (array.TryGetAt(rid - 1, out var offset))
            {
                starts.Add(((int)EntryFunctionIndex(array, offset), MetadataTokens.MethodDefinitionHandle(rid)));
            }
        }
        starts.Sort(static (a, b) => a.Function.CompareTo(b.Function));
        var functionCount = functions.Length / RuntimeFunctionSize;
        var ranges = new List<CodeRange>(starts.Count);
        for (var i = 0; i < starts.Count; i++)
        {
            // A method's funclets and cold parts follow its main runtime function, up to the next method's.
            var first = starts[i].Function;
            var last = (i + 1 < starts.Count ? starts[i + 1].Function : functionCount) - 1;
            if (first < 0 || first >= functionCount || last < first)
            {
                continue;
            }
            var name = Name(metadata, starts[i].Method);
            for (var f = first; f <= last; f++)
            {
                var function = functions.Slice(f * RuntimeFunctionSize, RuntimeFunctionSize);
                ranges.Add(new CodeRange(BinaryPrimitives.ReadUInt32LittleEndian(function), BinaryPrimitives.ReadUInt32LittleEndian(function[4..]), name));
            }
        }
        ranges.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var executable = headers.SectionHeaders
            .Where(s => (s.SectionCharacteristics & SectionCharacteristics.MemExecute) != 0)
            .Select(s => ((uint)s.VirtualAddress, (uint)(s.VirtualAddress + s.VirtualSize)))
            .ToList();
        return new ReadyToRunImage([.. ranges], executable);
    }

    /// <summary>The runtime function index of a method entry (skipping its fixup list, if any).</summary>
    private static uint EntryFunctionIndex(NativeArray array, int offset)
    {
        var id = array.DecodeUnsigned(ref offset);
        return (id & 1) != 0 ? id >> 2 : id >> 1;
    }

    /// <summary><c>Namespace.Type+Nested.Method</c>, as the runtime's own method events name it.</summary>
    private static string Name(MetadataReader metadata, MethodDefinitionHandle handle)
    {
        var method = metadata.GetMethodDefinition(handle);
        return MethodTable.FormatName(TypeName(metadata, method.GetDeclaringType()), metadata.GetString(method.Name));
    }

    private static string TypeName(MetadataReader metadata, TypeDefinitionHandle handle)
    {
        var type = metadata.GetTypeDefinition(handle);
        var name = metadata.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return $"{TypeName(metadata, declaring)}+{name}";
        }
        var ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }

    private static ReadOnlySpan<byte> Slice(byte[] image, PEHeaders headers, int rva, int size) =>
        headers.TryGetDirectoryOffset(new DirectoryEntry(rva, size), out var offset) && offset >= 0 && offset + size <= image.Length
            ? image.AsSpan(offset, size)
            : throw new BadImageFormatException($"RVA 0x{rva:x} is outside the image.");

    private readonly record struct CodeRange(uint Start, uint End, string Name);

    /// <summary>
    /// The runtime's "native format" sparse array (<c>NativeArray</c>): a header with the element count and index
    /// entry size, an index of blocks of 16, and a small tree per block whose leaves are element offsets.
    /// </summary>
    private sealed class NativeArray
    {
        private const int BlockSize = 16;
        private readonly byte[] _image;
        private readonly int _base;
        private readonly int _entryIndexSize;

        public NativeArray(byte[] image, PEHeaders headers, int rva)
        {
            if (!headers.TryGetDirectoryOffset(new DirectoryEntry(rva, 1), out var start))
            {
                throw new BadImageFormatException("The entry point table is outside the image.");
            }
            _image = image;
            var offset = start;
            var header = DecodeUnsigned(ref offset);
            _base = offset;
            Count = (int)(header >> 2);
            _entryIndexSize = (int)(header & 3);
        }

        public int Count { get; }

        public bool TryGetAt(int index, out int offset)
        {
            offset = 0;
            if (index < 0 || index >= Count)
            {
                return false;
            }
            var at = _base + ((index / BlockSize) << _entryIndexSize);
            var blockOffset = _entryIndexSize switch
            {
                0 => _image[at],
                1 => BinaryPrimitives.ReadUInt16LittleEndian(_image.AsSpan(at)),
                _ => (int)BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan(at)),
            };
            offset = _base + blockOffset;
            for (var bit = BlockSize >> 1; bit > 0; bit >>= 1)
            {
                var next = offset;
                var value = DecodeUnsigned(ref next);
                if ((index & bit) != 0)
                {
                    if ((value & 2) != 0)
                    {
                        offset += (int)(value >> 2);
                        continue;
                    }
                }
                else if ((value & 1) != 0)
                {
                    offset = next;
                    continue;
                }
                // A leaf that stands for one element of the block.
                if ((value & 3) == 0 && (value >> 2) == (uint)(index & (BlockSize - 1)))
                {
                    offset = next;
                    return true;
                }
                return false;
            }
            return true;
        }

        public uint DecodeUnsigned(ref int offset)
        {
            var p = _image.AsSpan(offset);
            uint value = p[0];
            if ((value & 1) == 0)
            {
                offset += 1;
                return value >> 1;
            }
            if ((value & 2) == 0)
            {
                offset += 2;
                return (value >> 2) | ((uint)p[1] << 6);
            }
            if ((value & 4) == 0)
            {
                offset += 3;
                return (value >> 3) | ((uint)p[1] << 5) | ((uint)p[2] << 13);
            }
            if ((value & 8) == 0)
            {
                offset += 4;
                return (value >> 4) | ((uint)p[1] << 4) | ((uint)p[2] << 12) | ((uint)p[3] << 20);
            }
            offset += 5;
            return BinaryPrimitives.ReadUInt32LittleEndian(p[1..]);
        }
    }
}

using Flamewatch.Agent.Intake;

namespace Flamewatch.Agent.Storage;

/// <summary>
/// Turns a pprof into the stored form: for each sample type, the summed value per call-tree leaf node.
/// Frames are functions (name and file); line numbers, addresses and sample labels are not kept.
/// Checks the references a pprof makes, so a malformed one is rejected before anything is stored.
/// </summary>
internal static class SampleIndexer
{
    /// <summary>Deeper stacks are cut at this many frames from the root.</summary>
    public const int MaxDepth = 1024;

    /// <summary>Indexes one attachment and adds its non-zero values into <paramref name="valuesByType"/> (type id to node to value).</summary>
    public static void Add(string attachment, PprofReader profile, SymbolTables symbols, Dictionary<int, Dictionary<int, long>> valuesByType)
    {
        var values = Index(attachment, profile, symbols);
        for (var column = 0; column < values.Types.Count; column++)
        {
            if (!valuesByType.TryGetValue(values.Types[column], out var perType))
            {
                perType = valuesByType[values.Types[column]] = [];
            }
            foreach (var (node, value) in values.Column(column))
            {
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(perType, node, out _) += value;
            }
        }
    }

    /// <summary>Indexes one attachment: its values summed per leaf node, one column per distinct profile type.</summary>
    public static StackValues Index(string attachment, PprofReader profile, SymbolTables symbols)
    {
        string Str(long index, string what) => profile.GetString(index)
            ?? throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: {what} refers to string {index} of {profile.StringCount}");

        var typeIds = new int[profile.SampleTypes.Count];
        for (var i = 0; i < typeIds.Length; i++)
        {
            var type = Str(profile.SampleTypes[i].Type, "sample type");
            var unit = Str(profile.SampleTypes[i].Unit, "sample unit");
            if (type.Length == 0 || type.Length + unit.Length > 200)
            {
                throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: sample type {i} has an empty or overlong name");
            }
            typeIds[i] = symbols.Types.GetOrAdd(type + "/" + unit);
        }

        var frameOfFunction = new Dictionary<ulong, int>(profile.Functions.Count);
        var scratch = new byte[1024];
        foreach (var function in profile.Functions)
        {
            ReadOnlySpan<byte> Bytes(long index, string what) => profile.TryGetStringBytes(index, out var bytes)
                ? bytes
                : throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: {what} refers to string {index} of {profile.StringCount}");

            var nameIndex = function.Name;
            if (Bytes(nameIndex, "function name").IsEmpty)
            {
                nameIndex = function.SystemName;
            }
            var key = FrameKey(Bytes(nameIndex, "function system name"), Bytes(function.FileName, "function file"), ref scratch);
            if (!symbols.FrameSpellings.TryGet(key, out var frame))
            {
                var name = Str(nameIndex, "function system name");
                frame = symbols.Frames.GetOrAdd(new Frame(name.Length == 0 ? "?" : name, Str(function.FileName, "function file")));
                if (key.Length <= 1024)
                {
                    symbols.FrameSpellings.Add(key, frame);
                }
            }
            frameOfFunction[function.Id] = frame;
        }
        var mappingFiles = new Dictionary<ulong, string>();
        foreach (var mapping in profile.Mappings)
        {
            mappingFiles[mapping.Id] = Str(mapping.FileName, "mapping file");
        }

        // Frames of each location, root-most first (pprof lists inlined lines innermost first).
        var framesOfLocation = new LocationTable(profile.Locations);
        foreach (var location in profile.Locations)
        {
            int[] frames;
            if (location.FunctionIds.Length == 0)
            {
                var file = mappingFiles.GetValueOrDefault(location.MappingId, "");
                frames = [symbols.Frames.GetOrAdd(new Frame($"0x{location.Address:x}", file))];
            }
            else
            {
                frames = new int[location.FunctionIds.Length];
                for (var i = 0; i < frames.Length; i++)
                {
                    var functionId = location.FunctionIds[frames.Length - 1 - i];
                    if (!frameOfFunction.TryGetValue(functionId, out frames[i]))
                    {
                        throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: location {location.Id} refers to missing function {functionId}");
                    }
                }
            }
            framesOfLocation.Set(location.Id, frames);
        }

        // Types listed twice in one pprof share a column; rows are sized for one per sample up front (bounded,
        // as sample and type counts come from the client).
        var types = typeIds.Distinct().ToArray();
        var columnOf = typeIds.Select(t => Array.IndexOf(types, t)).ToArray();
        var result = new StackValues(types, Math.Min(profile.SampleCount, (1 << 20) / Math.Max(types.Length, 1)));

        var stack = new int[MaxDepth];
        profile.VisitSamples((locationIds, values) =>
        {
            if (values.Length != typeIds.Length)
            {
                throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: a sample has {values.Length} values for {typeIds.Length} sample types");
            }
            var depth = 0;
            for (var l = locationIds.Length - 1; l >= 0 && depth < MaxDepth; l--)
            {
                if (!framesOfLocation.AppendTo(locationIds[l], stack, ref depth))
                {
                    throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: a sample refers to missing location {locationIds[l]}");
                }
            }
            var anyValue = false;
            foreach (var value in values)
            {
                anyValue |= value != 0;
            }
            if (!anyValue)
            {
                return;
            }
            var row = result.Row(symbols.Stack(stack.AsSpan(0, depth)));
            for (var i = 0; i < values.Length; i++)
            {
                row[columnOf[i]] += values[i];
            }
        });
        return result;
    }

    /// <summary>
    /// The key a frame's UTF-8 spelling is cached under: the name's length, the name, then the file (so no two
    /// frames share a key). Different byte spellings of one frame (invalid UTF-8) just get separate entries.
    /// </summary>
    private static ReadOnlySpan<byte> FrameKey(ReadOnlySpan<byte> name, ReadOnlySpan<byte> file, ref byte[] scratch)
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

    /// <summary>
    /// Location id to frames: arrays when ids are dense (as pprof writers make them), else a dictionary. A location
    /// of one frame (the usual case) is kept inline, so a sample's locations cost no pointer chasing.
    /// </summary>
    private sealed class LocationTable
    {
        private const int None = -1;
        private const int Several = -2;
        private readonly int[]? _single;
        private readonly int[][]? _several;
        private readonly Dictionary<ulong, int[]>? _sparse;

        public LocationTable(List<(ulong Id, ulong MappingId, ulong Address, ulong[] FunctionIds)> locations)
        {
            var max = locations.Count == 0 ? 0 : locations.Max(l => l.Id);
            if (max <= (ulong)(4 * locations.Count) + 16)
            {
                _single = new int[(int)max + 1];
                _single.AsSpan().Fill(None);
                _several = new int[(int)max + 1][];
            }
            else
            {
                _sparse = new Dictionary<ulong, int[]>(locations.Count);
            }
        }

        public void Set(ulong id, int[] frames)
        {
            if (_single is not null)
            {
                _single[id] = frames.Length == 1 ? frames[0] : Several;
                _several![id] = frames;
            }
            else
            {
                _sparse![id] = frames;
            }
        }

        /// <summary>Appends the location's frames (root-most first) to <paramref name="stack"/> up to its end.</summary>
        /// <returns>False when there is no such location.</returns>
        public bool AppendTo(ulong id, Span<int> stack, ref int depth)
        {
            ReadOnlySpan<int> frames;
            if (_single is not null)
            {
                if (id >= (ulong)_single.Length || _single[id] == None)
                {
                    return false;
                }
                if (_single[id] >= 0)
                {
                    if (depth < stack.Length)
                    {
                        stack[depth++] = _single[id];
                    }
                    return true;
                }
                frames = _several![id];
            }
            else if (_sparse!.TryGetValue(id, out var found))
            {
                frames = found;
            }
            else
            {
                return false;
            }
            var take = Math.Min(frames.Length, stack.Length - depth);
            frames[..take].CopyTo(stack[depth..]);
            depth += take;
            return true;
        }
    }
}

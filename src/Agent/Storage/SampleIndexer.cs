using Flamewatch.Agent.Intake;
using Flamewatch.Profiling.Pprof;

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

    public static void Add(string attachment, Profile profile, SymbolTables symbols, Dictionary<int, Dictionary<int, long>> valuesByType)
    {
        var strings = profile.StringTable;
        string Str(long index, string what) => index >= 0 && index < strings.Count
            ? strings[(int)index]
            : throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: {what} refers to string {index} of {strings.Count}");

        var typeIds = new int[profile.SampleType.Count];
        for (var i = 0; i < typeIds.Length; i++)
        {
            var type = Str(profile.SampleType[i].Type, "sample type");
            var unit = Str(profile.SampleType[i].Unit, "sample unit");
            if (type.Length == 0 || type.Length + unit.Length > 200)
            {
                throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: sample type {i} has an empty or overlong name");
            }
            typeIds[i] = symbols.Types.GetOrAdd(type + "/" + unit);
        }

        var frameOfFunction = new Dictionary<ulong, int>(profile.Function.Count);
        foreach (var function in profile.Function)
        {
            var name = Str(function.Name, "function name");
            if (name.Length == 0)
            {
                name = Str(function.SystemName, "function system name");
            }
            frameOfFunction[function.Id] = symbols.Frames.GetOrAdd(new Frame(name.Length == 0 ? "?" : name, Str(function.Filename, "function file")));
        }
        var mappingFiles = profile.Mapping.ToDictionary(m => m.Id, m => Str(m.Filename, "mapping file"));

        // Frames of each location, root-most first (pprof lists inlined lines innermost first).
        var framesOfLocation = new Dictionary<ulong, int[]>(profile.Location.Count);
        foreach (var location in profile.Location)
        {
            int[] frames;
            if (location.Line.Count == 0)
            {
                var file = mappingFiles.GetValueOrDefault(location.MappingId, "");
                frames = [symbols.Frames.GetOrAdd(new Frame($"0x{location.Address:x}", file))];
            }
            else
            {
                frames = new int[location.Line.Count];
                for (var i = 0; i < frames.Length; i++)
                {
                    var line = location.Line[frames.Length - 1 - i];
                    if (!frameOfFunction.TryGetValue(line.FunctionId, out frames[i]))
                    {
                        throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: location {location.Id} refers to missing function {line.FunctionId}");
                    }
                }
            }
            framesOfLocation[location.Id] = frames;
        }

        var perType = new Dictionary<int, long>[typeIds.Length];
        for (var i = 0; i < typeIds.Length; i++)
        {
            if (!valuesByType.TryGetValue(typeIds[i], out perType[i]!))
            {
                perType[i] = valuesByType[typeIds[i]] = [];
            }
        }

        var stack = new int[MaxDepth];
        foreach (var sample in profile.Sample)
        {
            if (sample.Value.Count != typeIds.Length)
            {
                throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: a sample has {sample.Value.Count} values for {typeIds.Length} sample types");
            }
            var depth = 0;
            for (var l = sample.LocationId.Count - 1; l >= 0 && depth < MaxDepth; l--)
            {
                if (!framesOfLocation.TryGetValue(sample.LocationId[l], out var frames))
                {
                    throw IntakeException.BadRequest($"attachment {PprofDecoder.Quote(attachment)}: a sample refers to missing location {sample.LocationId[l]}");
                }
                foreach (var frame in frames)
                {
                    if (depth == MaxDepth)
                    {
                        break;
                    }
                    stack[depth++] = frame;
                }
            }
            var node = symbols.Stack(stack.AsSpan(0, depth));
            for (var i = 0; i < typeIds.Length; i++)
            {
                var value = sample.Value[i];
                if (value != 0)
                {
                    System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(perType[i], node, out _) += value;
                }
            }
        }
    }
}

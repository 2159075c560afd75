using System.Globalization;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Symbols;

/// <summary>
/// Names frames that no JIT or rundown event covers, from the file mapped at their address
/// (<c>/proc/&lt;pid&gt;/maps</c>): code of a ReadyToRun image gets its method's name from the image itself
/// (<see cref="ReadyToRunImage"/>); code of any other file is named after the file, e.g. <c>[libcoreclr.so]</c>, as
/// native frames are in other profilers; the runtime's executable memory is <see cref="UnnamedCode"/>. Anonymous memory
/// stays an address. Images are read through the target's root, once each.
/// </summary>
internal sealed class ModuleSymbols(int pid, ProcFs procFs)
{
    /// <summary>The name of code in the runtime's executable memory that no event described (stubs, or code since freed).</summary>
    public const string UnnamedCode = "[unnamed runtime code]";

    private readonly Dictionary<string, ReadyToRunImage?> _images = new(StringComparer.Ordinal);
    private Mapping[] _mappings = [];

    /// <summary>Re-reads the target's mappings (code is mapped as assemblies load); call before a batch of look-ups.</summary>
    public void Refresh()
    {
        var maps = procFs.ReadMaps(pid);
        if (maps is not null)
        {
            _mappings = Parse(maps);
        }
    }

    /// <summary>The frame's name, or null when no file is mapped there.</summary>
    public string? Resolve(ulong address)
    {
        var index = Aggregation.SortedSearch.LastAtOrBelow(_mappings, address, static m => m.Start);
        if (index < 0 || address >= _mappings[index].End || _mappings[index].Path is not { } path)
        {
            return null;
        }
        if (path.StartsWith("/memfd:", StringComparison.Ordinal))
        {
            // The runtime's own executable memory (JIT'd code, stubs) seen through its double mapping: no file to read.
            return UnnamedCode;
        }
        var file = Path.GetFileName(path);
        if (file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && Image(path) is { } image)
        {
            // A loaded image is mapped section by section from its first page: the run of mappings of the same file
            // that ends at this one starts at the image base.
            var start = index;
            while (start > 0 && _mappings[start - 1].Path == path && _mappings[start].Start - _mappings[start - 1].End < 0x10000 && !_mappings[start - 1].Shared)
            {
                start--;
            }
            var rva = address - _mappings[start].Start;
            if (rva <= uint.MaxValue && image.Resolve((uint)rva) is { } method)
            {
                return method;
            }
        }
        return $"[{file}]";
    }

    private ReadyToRunImage? Image(string path)
    {
        if (!_images.TryGetValue(path, out var image))
        {
            // The path is the container's: resolved inside its root, never through a link out of it.
            var file = DiagnosticSocketLocator.ResolveInRoot(procFs.ProcessRoot(pid), path);
            image = file is null ? null : ReadyToRunImage.TryRead(file);
            _images[path] = image;
        }
        return image;
    }

    /// <summary>The mappings of files, sorted by address.</summary>
    internal static Mapping[] Parse(string maps)
    {
        var result = new List<Mapping>();
        foreach (var line in maps.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // start-end perms offset dev inode [path]
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || !fields[5].StartsWith('/'))
            {
                continue;
            }
            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (dash < 0
                || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end))
            {
                continue;
            }
            var path = fields[5].Trim();
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                path = path[..^" (deleted)".Length];
            }
            result.Add(new Mapping(start, end, path, fields[1].Length > 3 && fields[1][3] == 's'));
        }
        result.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        return [.. result];
    }

    internal readonly record struct Mapping(ulong Start, ulong End, string? Path, bool Shared);
}

using Flamewatch.Profiling.Aggregation;

namespace Flamewatch.Profiling.Symbols;

/// <summary>
/// Native code ranges of managed methods, filled from <c>MethodLoadVerbose</c> (code JIT'd while attached) and from
/// rundown (<c>MethodDCStopVerbose</c>: everything loaded, including ReadyToRun code). Stacks are kept as raw
/// instruction pointers during a period and resolved here at its end ("late binding"), so methods first used after
/// attach resolve too. Every code version of a method (tier 0, tier 1, OSR, re-JIT) keeps its own range.
/// Code the runtime frees (<c>MethodUnloadVerbose</c>: collected dynamic methods, unloaded assemblies) still names
/// the samples of the period in which it was freed, then is forgotten at that period's end (<see cref="EndPeriod"/>),
/// so the table stays bounded by the code alive in the target. Thread-safe.
/// </summary>
internal sealed class MethodTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, MethodRange> _byStart = [];
    private readonly List<ulong> _unloaded = [];
    private MethodRange[]? _sorted;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byStart.Count;
            }
        }
    }

    public void Add(ulong start, uint size, string typeName, string methodName)
    {
        if (start == 0 || size == 0)
        {
            return;
        }
        var name = FormatName(typeName, methodName);
        lock (_lock)
        {
            if (_byStart.TryGetValue(start, out var existing) && existing.Size == size && existing.Name == name)
            {
                return;
            }
            _byStart[start] = new MethodRange(start, size, name);
            _sorted = null;
        }
    }

    /// <summary>The code at <paramref name="start"/> was freed: it is forgotten at the end of the current period.</summary>
    public void Unload(ulong start)
    {
        lock (_lock)
        {
            if (_byStart.ContainsKey(start))
            {
                _unloaded.Add(start);
            }
        }
    }

    /// <summary>Forgets the code freed during the period whose profile was just built.</summary>
    public void EndPeriod()
    {
        lock (_lock)
        {
            foreach (var start in _unloaded)
            {
                _byStart.Remove(start);
            }
            if (_unloaded.Count > 0)
            {
                _sorted = null;
            }
            _unloaded.Clear();
        }
    }

    /// <summary>The method containing <paramref name="address"/>, or null.</summary>
    public string? Resolve(ulong address)
    {
        MethodRange[] sorted;
        lock (_lock)
        {
            sorted = _sorted ??= [.. _byStart.Values.OrderBy(r => r.Start)];
        }
        var found = SortedSearch.LastAtOrBelow(sorted, address, static r => r.Start);
        // A later, overlapping range (re-used code memory) wins; scan back over a few predecessors otherwise.
        for (var i = found; i >= 0 && i > found - 4; i--)
        {
            var range = sorted[i];
            if (address - range.Start < range.Size)
            {
                return range.Name;
            }
        }
        return null;
    }

    /// <summary><c>Namespace.Type.Method</c>; TraceEvent gives the namespace-qualified type as "MethodNamespace".</summary>
    internal static string FormatName(string typeName, string methodName) =>
        string.IsNullOrEmpty(typeName) ? methodName : $"{typeName}.{methodName}";

    private readonly record struct MethodRange(ulong Start, uint Size, string Name);
}

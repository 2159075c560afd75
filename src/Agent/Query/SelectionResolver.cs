using Flamewatch.Agent.Intake;
using Flamewatch.Agent.Storage;

namespace Flamewatch.Agent.Query;

/// <summary>Turns names into the store's ids; an unknown application, type or label key is a 404 naming it.</summary>
internal static class SelectionResolver
{
    /// <returns>The selection, or null when a label value was never stored (so nothing can match).</returns>
    public static StoredSelection? Resolve(ProfileSelection selection, SymbolTables symbols)
    {
        if (!symbols.Applications.TryGetId(selection.Application, out var app))
        {
            throw QueryException.NotFound($"no profiles of application {PprofDecoder.Quote(selection.Application)} are stored");
        }
        if (!symbols.Types.TryGetId(selection.Type, out var type) || !symbols.ApplicationTypes.TryGetId((app, type), out _))
        {
            throw QueryException.NotFound($"application {PprofDecoder.Quote(selection.Application)} has no profiles of type {PprofDecoder.Quote(selection.Type)}");
        }
        var labelIds = new List<int>();
        var missing = false;
        foreach (var (key, value) in selection.Labels)
        {
            if (symbols.Labels.TryGetId((app, key, value), out var id))
            {
                labelIds.Add(id);
                continue;
            }
            RequireLabelKey(symbols, app, selection.Application, key);
            missing = true;
        }
        return missing ? null : new StoredSelection(selection.Type, app, type, selection.From.ToUnixTimeMilliseconds(), selection.To.ToUnixTimeMilliseconds(), labelIds);
    }

    /// <summary>The ids of every stored value of a label of an application; a 404 when the application never had it.</summary>
    public static Dictionary<int, string> LabelValues(SymbolTables symbols, string application, string key)
    {
        if (!symbols.Applications.TryGetId(application, out var app))
        {
            throw QueryException.NotFound($"no profiles of application {PprofDecoder.Quote(application)} are stored");
        }
        var values = new Dictionary<int, string>();
        for (var id = 1; id <= symbols.Labels.Count; id++)
        {
            var label = symbols.Labels[id];
            if (label.Application == app && label.Key == key)
            {
                values[id] = label.Value;
            }
        }
        if (values.Count == 0)
        {
            throw QueryException.NotFound($"application {PprofDecoder.Quote(application)} has no label {PprofDecoder.Quote(key)}");
        }
        return values;
    }

    private static void RequireLabelKey(SymbolTables symbols, int app, string application, string key)
    {
        for (var id = 1; id <= symbols.Labels.Count; id++)
        {
            var label = symbols.Labels[id];
            if (label.Application == app && label.Key == key)
            {
                return;
            }
        }
        throw QueryException.NotFound($"application {PprofDecoder.Quote(application)} has no label {PprofDecoder.Quote(key)}");
    }
}

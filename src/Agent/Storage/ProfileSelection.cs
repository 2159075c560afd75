namespace Flamewatch.Agent.Storage;

/// <summary>Which stored profiles a query merges: one application and type, a time range, and label equalities.</summary>
internal sealed record ProfileSelection(
    string Application,
    string Type,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<KeyValuePair<string, string>> Labels);

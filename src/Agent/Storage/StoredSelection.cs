namespace Flamewatch.Agent.Storage;

/// <summary>A selection of stored profiles by interned ids: one application and type, a time range (ms), label ids (ANDed).</summary>
internal sealed record StoredSelection(string Type, int Application, int TypeId, long FromMs, long ToMs, IReadOnlyList<int> LabelIds);

namespace Flamewatch.Agent.Query;

/// <summary>One function's self and total value in a merge.</summary>
internal sealed record FunctionValues(string Name, string File, long Self, long Total);

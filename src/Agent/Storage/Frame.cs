namespace Flamewatch.Agent.Storage;

/// <summary>One stack frame as the agent keeps it: the function name and its file (may be empty).</summary>
internal readonly record struct Frame(string Name, string File);

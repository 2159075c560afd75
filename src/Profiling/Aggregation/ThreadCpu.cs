namespace Flamewatch.Profiling.Aggregation;

/// <summary>A thread's name and its exact CPU time in the period, from <c>/proc</c> (null when unreadable).</summary>
internal readonly record struct ThreadCpu(string Name, long? CpuNanoseconds);

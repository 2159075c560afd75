namespace Flamewatch.Profiling.Aggregation;

/// <summary>What one pprof sample is keyed by: a stack, a thread, and for allocations the allocated type.</summary>
internal readonly record struct SampleKey(int StackId, int ThreadId, string? TypeName);

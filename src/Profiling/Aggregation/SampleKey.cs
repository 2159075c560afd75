namespace Flamewatch.Profiling.Aggregation;

/// <summary>
/// What one pprof sample is keyed by: a stack, a thread, for allocations the allocated type and for exceptions the
/// exception type.
/// </summary>
internal readonly record struct SampleKey(int StackId, int ThreadId, string? TypeName, string? ExceptionType = null);

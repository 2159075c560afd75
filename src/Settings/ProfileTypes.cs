namespace Flamewatch.Settings;

/// <summary>
/// The dimensions to collect: the <c>profileTypes</c> of a ContinuousProfile and of the pod annotation (wire names in
/// <see cref="ProfileTypeNames"/>), of the in-process <c>Profiler</c> and of the collector's command line. Every profile carries the five sample
/// types of <see cref="Default"/> (a dimension not collected is zero); the exception and lock-contention sample types
/// are added when collected.
/// </summary>
[Flags]
public enum ProfileTypes
{
    None = 0,
    Cpu = 1,
    Wall = 2,
    Allocations = 4,
    AllocatedMemory = 8,
    HeapLiveSize = 16,
    /// <summary>Exceptions thrown, counted per exception type and throw stack.</summary>
    Exceptions = 32,
    /// <summary>Lock contention: wait count and wait time per stack of the waiting thread.</summary>
    LockContention = 64,
    /// <summary>What is collected when nothing is chosen: CPU, wall, allocations, allocated memory and heap live size.</summary>
    Default = Cpu | Wall | Allocations | AllocatedMemory | HeapLiveSize,
    All = Default | Exceptions | LockContention,
}

namespace Flamewatch.Profiling;

/// <summary>
/// The dimensions to collect (the <c>profileTypes</c> of a ContinuousProfile). Every profile still carries all five
/// sample types; a dimension not collected is zero.
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
    All = Cpu | Wall | Allocations | AllocatedMemory | HeapLiveSize,
}

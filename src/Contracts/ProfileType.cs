namespace Flamewatch.Contracts;

/// <summary>The profile dimensions; the wire names are those of the CRD enum and the annotation.</summary>
public enum ProfileType
{
    Cpu,
    Wall,
    Allocations,
    AllocatedMemory,
    HeapLiveSize,
    Exceptions,
    LockContention,
}

namespace Flamewatch.Profiling.Aggregation;

/// <summary>Structural equality for raw stacks (instruction pointers, leaf first).</summary>
internal sealed class StackComparer : IEqualityComparer<ulong[]>
{
    public static readonly StackComparer Instance = new();

    public bool Equals(ulong[]? x, ulong[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(ulong[] stack)
    {
        var hash = new HashCode();
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(stack.AsSpan()));
        return hash.ToHashCode();
    }
}

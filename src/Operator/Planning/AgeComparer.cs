using Flamewatch.Contracts.Api.V1Alpha1;

namespace Flamewatch.Operator.Planning;

/// <summary>Oldest first: creation time, then name. The oldest ContinuousProfile selecting a pod wins it.</summary>
internal sealed class AgeComparer : IComparer<V1Alpha1ContinuousProfile>
{
    public static AgeComparer Instance { get; } = new();

    public int Compare(V1Alpha1ContinuousProfile? x, V1Alpha1ContinuousProfile? y)
    {
        var byTime = (x?.Metadata.CreationTimestamp ?? DateTime.MaxValue).CompareTo(y?.Metadata.CreationTimestamp ?? DateTime.MaxValue);
        return byTime != 0 ? byTime : string.CompareOrdinal(x?.Metadata.Name, y?.Metadata.Name);
    }
}

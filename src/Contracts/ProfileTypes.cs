namespace Flamewatch.Contracts;

/// <summary>Wire names of <see cref="ProfileType"/>, as in the CRD enum and the profile-types annotation.</summary>
public static class ProfileTypes
{
    /// <summary>Every profile type, in canonical order.</summary>
    public static IReadOnlyList<ProfileType> All { get; } =
        [ProfileType.Cpu, ProfileType.Wall, ProfileType.Allocations, ProfileType.AllocatedMemory, ProfileType.HeapLiveSize, ProfileType.Exceptions, ProfileType.LockContention];

    /// <summary>What is collected when no types are chosen (the CRD default): exceptions and lock contention are opt-in.</summary>
    public static IReadOnlyList<ProfileType> Default { get; } =
        [ProfileType.Cpu, ProfileType.Wall, ProfileType.Allocations, ProfileType.AllocatedMemory, ProfileType.HeapLiveSize];

    public static string ToWireName(ProfileType type) => type switch
    {
        ProfileType.Cpu => "cpu",
        ProfileType.Wall => "wall",
        ProfileType.Allocations => "allocations",
        ProfileType.AllocatedMemory => "allocatedMemory",
        ProfileType.HeapLiveSize => "heapLiveSize",
        ProfileType.Exceptions => "exceptions",
        ProfileType.LockContention => "lockContention",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown profile type"),
    };

    /// <summary>Parses a wire name exactly (case-sensitive, as the CRD enum is).</summary>
    public static bool TryParse(string? name, out ProfileType type)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(ToWireName(candidate), name, StringComparison.Ordinal))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>Comma-separated wire names in the canonical order of <see cref="All"/>.</summary>
    public static string Format(IEnumerable<ProfileType> types) =>
        string.Join(',', All.Where(types.Contains).Select(ToWireName));
}

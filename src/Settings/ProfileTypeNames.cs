namespace Flamewatch.Settings;

/// <summary>Wire names of <see cref="ProfileTypes"/>, as in the CRD enum, the profile-types annotation and the command line.</summary>
public static class ProfileTypeNames
{
    /// <summary>Every single profile type, in canonical order.</summary>
    public static IReadOnlyList<ProfileTypes> Each { get; } =
        [ProfileTypes.Cpu, ProfileTypes.Wall, ProfileTypes.Allocations, ProfileTypes.AllocatedMemory, ProfileTypes.HeapLiveSize, ProfileTypes.Exceptions, ProfileTypes.LockContention];

    /// <summary>The wire name of a single profile type.</summary>
    public static string ToWireName(ProfileTypes type) => type switch
    {
        ProfileTypes.Cpu => "cpu",
        ProfileTypes.Wall => "wall",
        ProfileTypes.Allocations => "allocations",
        ProfileTypes.AllocatedMemory => "allocatedMemory",
        ProfileTypes.HeapLiveSize => "heapLiveSize",
        ProfileTypes.Exceptions => "exceptions",
        ProfileTypes.LockContention => "lockContention",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a single profile type"),
    };

    /// <summary>Parses a wire name exactly (case-sensitive, as the CRD enum is).</summary>
    public static bool TryParse(string? name, out ProfileTypes type)
    {
        foreach (var candidate in Each)
        {
            if (string.Equals(ToWireName(candidate), name, StringComparison.Ordinal))
            {
                type = candidate;
                return true;
            }
        }

        type = ProfileTypes.None;
        return false;
    }

    /// <summary>The wire names of the types in <paramref name="types"/>, in canonical order.</summary>
    public static IEnumerable<string> Names(ProfileTypes types) => Each.Where(t => (types & t) != 0).Select(ToWireName);

    /// <summary>Comma-separated wire names in canonical order (<c>cpu,wall</c>), as in the annotation.</summary>
    public static string Format(ProfileTypes types) => string.Join(',', Names(types));
}

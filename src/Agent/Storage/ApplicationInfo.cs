namespace Flamewatch.Agent.Storage;

/// <summary>What <c>GET /api/applications</c> lists for one application.</summary>
internal sealed record ApplicationInfo(
    string Name,
    IReadOnlyList<string> ProfileTypes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Labels,
    DateTimeOffset From,
    DateTimeOffset To,
    long Profiles);

namespace Flamewatch.Agent.Query;

internal sealed record DiffSide(int Profiles, long Total, DateTimeOffset? Start, DateTimeOffset? End);

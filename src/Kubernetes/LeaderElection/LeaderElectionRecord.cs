namespace Flamewatch.Kubernetes.LeaderElection;

/// <summary>What a lease lock stores: the holder and timing of the leadership.</summary>
public sealed record LeaderElectionRecord(
    string HolderIdentity,
    int LeaseDurationSeconds,
    DateTimeOffset? AcquireTime,
    DateTimeOffset? RenewTime,
    int LeaseTransitions);

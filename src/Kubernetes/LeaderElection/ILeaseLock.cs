namespace Flamewatch.Kubernetes.LeaderElection;

/// <summary>
/// The storage seam of leader election (client-go resourcelock.Interface). The production implementation is
/// <see cref="LeaseLock"/>; tests may use an in-memory lock whose writes can be made to fail.
/// </summary>
public interface ILeaseLock
{
    /// <summary>The candidate's identity (e.g. the pod name).</summary>
    string Identity { get; }

    /// <summary>For logs, e.g. "flamewatch-system/flamewatch-operator".</summary>
    string Description { get; }

    /// <summary>The current record, or null when the lock does not exist yet.</summary>
    Task<LeaderElectionRecord?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Creates the lock; fails if it already exists.</summary>
    Task CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the record read last by <see cref="GetAsync"/> (optimistic concurrency: fails if it changed since).</summary>
    Task UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken);
}

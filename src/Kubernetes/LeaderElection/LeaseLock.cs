using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;

namespace Flamewatch.Kubernetes.LeaderElection;

/// <summary>A <see cref="ILeaseLock"/> on a coordination.k8s.io/v1 Lease: GET, CREATE, and PUT with the last-read resourceVersion.</summary>
public sealed class LeaseLock(IResourceClient<Lease> leases, string @namespace, string name, string identity) : ILeaseLock
{
    private Lease? _last;

    public string Identity => identity;

    public string Description => $"{@namespace}/{name}";

    public async Task<LeaderElectionRecord?> GetAsync(CancellationToken cancellationToken)
    {
        _last = await leases.TryGetAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        var spec = _last?.Spec;
        return _last is null ? null : new LeaderElectionRecord(
            spec?.HolderIdentity ?? "",
            spec?.LeaseDurationSeconds ?? 0,
            spec?.AcquireTime,
            spec?.RenewTime,
            spec?.LeaseTransitions ?? 0);
    }

    public async Task CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken)
    {
        _last = await leases.CreateAsync(new Lease
        {
            Metadata = new ObjectMeta { Name = name, Namespace = @namespace },
            Spec = ToSpec(record, null),
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken)
    {
        var last = _last ?? throw new InvalidOperationException("the lease must be read before it is updated");
        last.Spec = ToSpec(record, last.Spec);
        _last = await leases.UpdateAsync(last, cancellationToken).ConfigureAwait(false);
    }

    private static LeaseSpec ToSpec(LeaderElectionRecord record, LeaseSpec? existing)
    {
        var spec = existing ?? new LeaseSpec();
        spec.HolderIdentity = record.HolderIdentity;
        spec.LeaseDurationSeconds = record.LeaseDurationSeconds;
        spec.AcquireTime = record.AcquireTime;
        spec.RenewTime = record.RenewTime;
        spec.LeaseTransitions = record.LeaseTransitions;
        return spec;
    }
}

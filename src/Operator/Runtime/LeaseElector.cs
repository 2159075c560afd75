using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Operator.Runtime;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease with client-go's algorithm: try every RetryPeriod (with
/// jitter) to create or take over the Lease when its holder has not renewed within LeaseDuration, judged on the
/// local clock at which the record last changed; once leading, renew every RetryPeriod and give up when no renew
/// succeeded for RenewDeadline. Every write is a PUT carrying the resourceVersion read, so races end in 409.
/// </summary>
internal sealed class LeaseElector(
    IResourceClient<Lease> leases,
    string @namespace,
    string name,
    string identity,
    TimeSpan leaseDuration,
    TimeSpan renewDeadline,
    TimeSpan retryPeriod,
    TimeProvider time,
    ILogger logger)
{
    private string? _observedRecord;
    private DateTimeOffset _observedAt;

    public string Identity => identity;

    /// <summary>Returns once this replica holds the Lease.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        while (!await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
        {
            var jittered = retryPeriod * (1 + (Random.Shared.NextDouble() * 1.2));
            await Task.Delay(jittered, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Renews until a renew deadline is missed (returns) or <paramref name="cancellationToken"/> fires (releases the Lease, then returns).</summary>
    public async Task HoldAsync(CancellationToken cancellationToken)
    {
        var lastRenew = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(retryPeriod, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                lastRenew = time.GetUtcNow();
            }
            else if (time.GetUtcNow() - lastRenew > renewDeadline)
            {
                return;
            }
        }

        await ReleaseAsync().ConfigureAwait(false);
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            var lease = await leases.TryGetAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                await leases.CreateAsync(
                    new Lease
                    {
                        Metadata = new ObjectMeta { Name = name, Namespace = @namespace },
                        Spec = new LeaseSpec { HolderIdentity = identity, LeaseDurationSeconds = (int)leaseDuration.TotalSeconds, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
                    },
                    cancellationToken).ConfigureAwait(false);
                return true;
            }

            var spec = lease.Spec ?? new LeaseSpec();
            var record = $"{spec.HolderIdentity}|{spec.RenewTime:O}|{spec.LeaseDurationSeconds}";
            if (record != _observedRecord)
            {
                _observedRecord = record;
                _observedAt = now;
            }

            var holder = spec.HolderIdentity;
            var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)leaseDuration.TotalSeconds);
            var heldByOther = !string.IsNullOrEmpty(holder) && holder != identity;
            if (heldByOther && _observedAt + duration > now)
            {
                return false;
            }

            if (holder != identity)
            {
                spec.AcquireTime = now;
                spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
            }

            spec.HolderIdentity = identity;
            spec.LeaseDurationSeconds = (int)leaseDuration.TotalSeconds;
            spec.RenewTime = now;
            lease.Spec = spec;
            await leases.UpdateAsync(lease, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is KubeApiException or HttpRequestException or OperationCanceledException)
        {
            Log.LeaseAttemptFailed(logger, @namespace, name, exception);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(renewDeadline);
        try
        {
            var lease = await leases.TryGetAsync(@namespace, name, timeout.Token).ConfigureAwait(false);
            if (lease?.Spec?.HolderIdentity != identity)
            {
                return;
            }

            lease.Spec.HolderIdentity = string.Empty;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = time.GetUtcNow();
            await leases.UpdateAsync(lease, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is KubeApiException or HttpRequestException or OperationCanceledException)
        {
            Log.LeaseAttemptFailed(logger, @namespace, name, exception);
        }
    }
}

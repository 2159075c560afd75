using Flamewatch.Kubernetes.Client;
using k8s;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Kubernetes.LeaderElection;

/// <summary>
/// client-go's ReleaseOnCancel, which the official <see cref="k8s.LeaderElection.LeaderElector"/> lacks: a leader that
/// stops empties the Lease's holder (duration 1 s) so that a successor takes over at once instead of waiting for the
/// lease to expire.
/// </summary>
public static class LeaseRelease
{
    public static async Task ReleaseAsync(IKubernetes client, string @namespace, string name, string identity, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != identity)
            {
                return;
            }

            // Empty, not null: the official elector treats a Lease without a holder as one it must create (and fails
            // with AlreadyExists for ever), while an empty holder is free to take.
            lease.Spec.HolderIdentity = string.Empty;
            lease.Spec.LeaseDurationSeconds = 1;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.LeaderReleased(logger, $"{@namespace}/{name}", identity);
        }
        catch (Exception exception) when (exception.IsApiError() || exception is HttpRequestException or TimeoutException)
        {
            // Best effort: the lease then expires after its duration.
        }
    }
}

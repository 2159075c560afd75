using Flamewatch.Kubernetes.LeaderElection;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>Releasing the Lease on shutdown lets the official elector of another replica take over at once.</summary>
public sealed class LeaseReleaseTests : ServerTestBase
{
    private static readonly TimeSpan LongLease = TimeSpan.FromSeconds(30);

    private LeaderElector Elector(string identity) => new(new LeaderElectionConfig(new LeaseLock(Client, "default", "flamewatch-operator", identity))
    {
        LeaseDuration = LongLease,
        RenewDeadline = TimeSpan.FromSeconds(20),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
    });

    /// <summary>Cancels an elector; it ends with an OperationCanceledException or, when cancelled while renewing, normally.</summary>
    private static async Task StopAsync(CancellationTokenSource stop, Task run)
    {
        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
        }
    }

    [Fact]
    public async Task A_released_lease_is_taken_over_long_before_it_would_expire()
    {
        using var a = Elector("replica-a");
        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var runA = a.RunUntilLeadershipLostAsync(stopA.Token);
        await EventuallyAsync(a.IsLeader, "replica-a leads");
        using var b = Elector("replica-b");
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var runB = b.RunUntilLeadershipLostAsync(stopB.Token);
        await EventuallyAsync(() => b.GetLeader() == "replica-a", "replica-b sees replica-a lead");

        await StopAsync(stopA, runA);
        var released = DateTimeOffset.UtcNow;
        await LeaseRelease.ReleaseAsync(Client, "default", "flamewatch-operator", "replica-a", NullLogger.Instance, Timeout);

        await EventuallyAsync(b.IsLeader, "replica-b takes the released lease over", within: TimeSpan.FromSeconds(10));
        Assert.True(DateTimeOffset.UtcNow - released < LongLease / 2);
        await StopAsync(stopB, runB);
    }

    [Fact]
    public async Task Only_the_holder_releases()
    {
        using var a = Elector("replica-a");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var run = a.RunUntilLeadershipLostAsync(stop.Token);
        await EventuallyAsync(a.IsLeader, "replica-a leads");

        await LeaseRelease.ReleaseAsync(Client, "default", "flamewatch-operator", "replica-b", NullLogger.Instance, Timeout);

        var lease = await k8s.CoordinationV1OperationsExtensions.ReadNamespacedLeaseAsync(Client.CoordinationV1, "flamewatch-operator", "default", cancellationToken: Timeout);
        Assert.Equal("replica-a", lease.Spec.HolderIdentity);
        await StopAsync(stop, run);
    }
}

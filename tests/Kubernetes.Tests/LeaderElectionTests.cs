using System.Diagnostics;
using Flamewatch.Kubernetes.LeaderElection;
using Flamewatch.Kubernetes.Rest;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

public sealed class LeaderElectionTests : ServerTestBase
{
    private static readonly LeaderElectionOptions Fast = new()
    {
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(1.5),
        RetryPeriod = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>Wraps a lock so that a test can make its writes fail (a leader that can no longer renew).</summary>
    private sealed class FlakyLock(ILeaseLock inner) : ILeaseLock
    {
        public volatile bool Broken;

        public string Identity => inner.Identity;

        public string Description => inner.Description;

        public Task<LeaderElectionRecord?> GetAsync(CancellationToken cancellationToken) =>
            Broken ? throw new HttpRequestException("partitioned") : inner.GetAsync(cancellationToken);

        public Task CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken) =>
            Broken ? throw new HttpRequestException("partitioned") : inner.CreateAsync(record, cancellationToken);

        public Task UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken) =>
            Broken ? throw new HttpRequestException("partitioned") : inner.UpdateAsync(record, cancellationToken);
    }

    /// <summary>Records leadership intervals of all candidates to check that they never overlap.</summary>
    private sealed class Timeline
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<(string Who, string What, TimeSpan At)> _entries = [];
        private int _leaders;
        public int MaxConcurrentLeaders;

        public void Started(string who)
        {
            lock (_entries)
            {
                _entries.Add((who, "start", _clock.Elapsed));
                MaxConcurrentLeaders = Math.Max(MaxConcurrentLeaders, ++_leaders);
            }
        }

        public void Stopped(string who)
        {
            lock (_entries)
            {
                _entries.Add((who, "stop", _clock.Elapsed));
                _leaders--;
            }
        }

        public TimeSpan? When(string who, string what)
        {
            lock (_entries)
            {
                return _entries.Where(e => e.Who == who && e.What == what).Select(e => (TimeSpan?)e.At).FirstOrDefault();
            }
        }

        public TimeSpan Now => _clock.Elapsed;
    }

    private (LeaderElector Elector, FlakyLock Lock, Task Run, CancellationTokenSource Stop) Candidate(string identity, Timeline timeline)
    {
        var flaky = new FlakyLock(new LeaseLock(Api.Leases(), "default", "flamewatch-operator", identity));
        var elector = new LeaderElector(flaky, Fast);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var run = elector.RunAsync(
            async ct =>
            {
                timeline.Started(identity);
                await Task.Delay(System.Threading.Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            },
            () => timeline.Stopped(identity),
            stop.Token);
        return (elector, flaky, run, stop);
    }

    [Fact]
    public void Options_are_validated_like_client_go()
    {
        Assert.Empty(new LeaderElectionOptions().Validate());
        Assert.NotEmpty((Fast with { RenewDeadline = TimeSpan.FromSeconds(5) }).Validate());
        Assert.NotEmpty((Fast with { RetryPeriod = TimeSpan.FromSeconds(2) }).Validate());
    }

    [Fact]
    public async Task Leader_that_stops_renewing_is_replaced_within_the_lease_duration_and_never_overlaps()
    {
        var timeline = new Timeline();
        var a = Candidate("a", timeline);
        await EventuallyAsync(() => a.Elector.IsLeader, "a leads");
        var b = Candidate("b", timeline);
        await EventuallyAsync(() => b.Elector.ObservedLeader == "a", "b sees a");
        Assert.False(b.Elector.IsLeader);

        var lease = await Api.Leases().GetAsync("default", "flamewatch-operator", Timeout);
        Assert.Equal("a", lease.Spec!.HolderIdentity);
        Assert.Equal(3, lease.Spec.LeaseDurationSeconds);

        var cut = timeline.Now;
        a.Lock.Broken = true;
        await EventuallyAsync(() => b.Elector.IsLeader, "b takes over", TimeSpan.FromSeconds(15));
        var handover = timeline.When("b", "start")!.Value - cut;
        Assert.True(handover <= Fast.LeaseDuration + Fast.RetryPeriod * 3, $"hand-over took {handover.TotalSeconds:0.00} s");
        await a.Run; // a returned after losing the lease
        Assert.False(a.Elector.IsLeader);
        Assert.True(timeline.When("a", "stop") < timeline.When("b", "start"), "a stopped before b started");
        Assert.Equal(1, timeline.MaxConcurrentLeaders);

        lease = await Api.Leases().GetAsync("default", "flamewatch-operator", Timeout);
        Assert.Equal("b", lease.Spec!.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);

        await b.Stop.CancelAsync();
        await b.Run;
    }

    [Fact]
    public async Task Cancelled_leader_releases_the_lease_for_a_fast_hand_over()
    {
        var timeline = new Timeline();
        var a = Candidate("a", timeline);
        await EventuallyAsync(() => a.Elector.IsLeader, "a leads");
        var b = Candidate("b", timeline);
        await EventuallyAsync(() => b.Elector.ObservedLeader == "a", "b sees a");

        var cut = timeline.Now;
        await a.Stop.CancelAsync();
        await a.Run;
        await EventuallyAsync(() => b.Elector.IsLeader, "b takes over");
        var handover = timeline.When("b", "start")!.Value - cut;
        Assert.True(handover < Fast.LeaseDuration, $"released lease taken over in {handover.TotalSeconds:0.00} s");
        Assert.Equal(1, timeline.MaxConcurrentLeaders);
        await b.Stop.CancelAsync();
        await b.Run;
    }

    [Fact]
    public async Task Many_candidates_elect_exactly_one_leader()
    {
        var timeline = new Timeline();
        var candidates = Enumerable.Range(0, 4).Select(i => Candidate($"c{i}", timeline)).ToList();
        await EventuallyAsync(() => candidates.Count(c => c.Elector.IsLeader) == 1, "one leader");
        await Task.Delay(Fast.LeaseDuration);
        Assert.Equal(1, candidates.Count(c => c.Elector.IsLeader));
        Assert.Equal(1, timeline.MaxConcurrentLeaders);
        foreach (var c in candidates)
        {
            await c.Stop.CancelAsync();
            await c.Run;
        }
    }
}

namespace Flamewatch.Kubernetes.LeaderElection;

/// <summary>client-go's leader election timings (defaults 15 s / 10 s / 2 s).</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>How long non-leaders wait after the last observed renewal before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a renewal before it stops leading.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between acquire/renew attempts (jittered by up to 20 %).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On cancellation the leader releases the lease so that a successor need not wait for it to expire.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>client-go's constraints: LeaseDuration &gt; RenewDeadline &gt; 1.2 × RetryPeriod &gt; 0.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RetryPeriod <= TimeSpan.Zero)
        {
            errors.Add("RetryPeriod must be greater than zero");
        }

        if (LeaseDuration <= RenewDeadline)
        {
            errors.Add("LeaseDuration must be greater than RenewDeadline");
        }

        if (RenewDeadline <= RetryPeriod * 1.2)
        {
            errors.Add("RenewDeadline must be greater than 1.2 × RetryPeriod");
        }

        return errors;
    }
}

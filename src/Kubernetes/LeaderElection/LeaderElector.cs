using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flamewatch.Kubernetes.LeaderElection;

/// <summary>
/// client-go's leader election: acquire the lock every RetryPeriod (jittered) until it is free or expired, lead
/// while renewals succeed, and stop leading when no renewal succeeded within RenewDeadline. Validity is judged by
/// the local time at which the record was last seen to change, never by the record's timestamps (clock skew).
/// There is no fencing: leaders may briefly overlap if a leader's process stalls.
/// </summary>
public sealed class LeaderElector
{
    private readonly ILeaseLock _lock;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private LeaderElectionRecord? _observed;
    private DateTimeOffset _observedAt;
    private volatile bool _isLeader;

    public LeaderElector(ILeaseLock leaseLock, LeaderElectionOptions? options = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new LeaderElectionOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid leader election options: " + string.Join("; ", errors), nameof(options));
        }

        if (string.IsNullOrEmpty(leaseLock.Identity))
        {
            throw new ArgumentException("the lease lock needs a non-empty identity", nameof(leaseLock));
        }

        _lock = leaseLock;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public bool IsLeader => _isLeader;

    /// <summary>The holder last observed (may be this candidate).</summary>
    public string? ObservedLeader => Volatile.Read(ref _observed)?.HolderIdentity;

    /// <summary>
    /// Campaigns, then runs <paramref name="onStartedLeading"/> while leading. Returns when leadership is lost
    /// (the token passed to the callback is cancelled first and <paramref name="onStoppedLeading"/> runs) or when
    /// <paramref name="cancellationToken"/> is cancelled (releasing the lease if <see cref="LeaderElectionOptions.ReleaseOnCancel"/>).
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading = null, CancellationToken cancellationToken = default)
    {
        if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        _isLeader = true;
        Log.LeaderAcquired(_logger, _lock.Description, _lock.Identity);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => onStartedLeading(leading.Token), CancellationToken.None);
        try
        {
            await RenewLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _isLeader = false;
            await leading.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            Log.LeaderLost(_logger, _lock.Description, _lock.Identity);
            onStoppedLeading?.Invoke();
            if (cancellationToken.IsCancellationRequested && _options.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            try
            {
                await Task.Delay(Jitter(_options.RetryPeriod), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Keep trying every RetryPeriod until RenewDeadline has passed.
            var deadline = _time.GetUtcNow() + _options.RenewDeadline;
            var renewed = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var left = deadline - _time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                attempt.CancelAfter(left);
                if (await TryAcquireOrRenewAsync(attempt.Token).ConfigureAwait(false))
                {
                    renewed = true;
                    break;
                }

                if (_time.GetUtcNow() + _options.RetryPeriod >= deadline)
                {
                    break;
                }

                try
                {
                    await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (!renewed && !cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var seconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds);
        try
        {
            var old = await _lock.GetAsync(cancellationToken).ConfigureAwait(false);
            now = _time.GetUtcNow();
            var desired = new LeaderElectionRecord(_lock.Identity, seconds, now, now, 0);
            if (old is null)
            {
                await _lock.CreateAsync(desired, cancellationToken).ConfigureAwait(false);
                Observe(desired, now);
                return true;
            }

            if (_observed != old)
            {
                if (_observed?.HolderIdentity != old.HolderIdentity)
                {
                    Log.LeaderNewHolder(_logger, _lock.Description, old.HolderIdentity);
                }

                Observe(old, now);
            }

            var expires = _observedAt + TimeSpan.FromSeconds(old.LeaseDurationSeconds);
            if (old.HolderIdentity.Length > 0 && old.HolderIdentity != _lock.Identity && expires > now)
            {
                return false;
            }

            desired = old.HolderIdentity == _lock.Identity
                ? desired with { AcquireTime = old.AcquireTime, LeaseTransitions = old.LeaseTransitions }
                : desired with { LeaseTransitions = old.LeaseTransitions + 1 };
            await _lock.UpdateAsync(desired, cancellationToken).ConfigureAwait(false);
            Observe(desired, now);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.LeaderRenewFailed(_logger, _lock.Description, e);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        if (_observed?.HolderIdentity != _lock.Identity)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            var now = _time.GetUtcNow();
            await _lock.UpdateAsync(new LeaderElectionRecord("", 1, now, now, _observed.LeaseTransitions), timeout.Token).ConfigureAwait(false);
            Log.LeaderReleased(_logger, _lock.Description, _lock.Identity);
        }
        catch (Exception e)
        {
            Log.LeaderRenewFailed(_logger, _lock.Description, e);
        }
    }

    private void Observe(LeaderElectionRecord record, DateTimeOffset at)
    {
        Volatile.Write(ref _observed, record);
        _observedAt = at;
    }

    private static TimeSpan Jitter(TimeSpan period) => period * (1 + (Random.Shared.NextDouble() * 0.2));
}

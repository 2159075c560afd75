using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Os;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// Finds the .NET processes of the given pods among all processes of the node, and diffs each scan with the previous one.
/// </summary>
/// <remarks>
/// Each scan lists the PIDs, reads every process's start time, and maps each process to a pod through its cgroup
/// (<see cref="CgroupParser"/>; cached per process instance once it names a pod). Only processes of the requested pods are inspected
/// (<see cref="DiagnosticSocketLocator"/>), concurrently, each under <see cref="ProcessDiscoveryOptions.ProbeTimeout"/>, so a
/// wedged process cannot stall a scan. A process whose inspection fails or times out is deferred for
/// <see cref="ProcessDiscoveryOptions.DeferDuration"/>; an inspection that never returns is not started again while it
/// hangs. Caches hold only live processes and at most <see cref="ProcessDiscoveryOptions.MaxCachedProcesses"/> entries.
/// Scans are serialized.
/// </remarks>
internal sealed class ProcessDiscovery : IDisposable
{
    private readonly ProcFs _procFs;
    private readonly ProcessDiscoveryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _scanGate = new(1, 1);
    private readonly SemaphoreSlim _probeSlots;
    private readonly Dictionary<int, (ulong StartTime, CgroupIdentity? Identity)> _identities = [];
    private readonly Dictionary<ProcessKey, DeferredProcess> _deferred = [];
    private readonly Dictionary<ProcessKey, Task<SocketLookup>> _hungProbes = [];
    private Dictionary<ProcessKey, DiscoveredProcess> _previous = [];

    public ProcessDiscovery(ProcFs procFs, ProcessDiscoveryOptions options, TimeProvider timeProvider)
    {
        var failures = options.Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid discovery options: " + string.Join(" ", failures), nameof(options));
        }

        _procFs = procFs;
        _options = options;
        _timeProvider = timeProvider;
        _probeSlots = new SemaphoreSlim(options.MaxConcurrentProbes, options.MaxConcurrentProbes);
    }

    /// <summary>Number of cached cgroup identities (bounded by the live processes and the configured maximum).</summary>
    internal int CachedIdentityCount => _identities.Count;

    /// <summary>Scans the node for the processes of <paramref name="pods"/>.</summary>
    public async Task<DiscoveryScan> ScanAsync(IReadOnlyCollection<DiscoveryPod> pods, CancellationToken cancellationToken)
    {
        await _scanGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ScanCoreAsync(pods, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _scanGate.Release();
        }
    }

    public void Dispose()
    {
        _scanGate.Dispose();
        _probeSlots.Dispose();
    }

    private async Task<DiscoveryScan> ScanCoreAsync(IReadOnlyCollection<DiscoveryPod> pods, CancellationToken cancellationToken)
    {
        var scan = new ScanState(_timeProvider.GetUtcNow());
        var candidates = ListCandidates(pods, scan);
        Prune(scan.Live);

        var inspections = await Task.WhenAll(candidates.Select(c => InspectAsync(c, cancellationToken))).ConfigureAwait(false);
        foreach (var (candidate, lookup) in inspections)
        {
            Classify(candidate, lookup, scan);
        }

        var added = scan.Current.Values.Where(p => !_previous.ContainsKey(p.Key)).OrderBy(p => p.HostPid).ToList();
        var removed = _previous.Values.Where(p => !scan.Current.ContainsKey(p.Key)).OrderBy(p => p.HostPid).ToList();
        _previous = scan.Current;
        return new DiscoveryScan(scan.Current.Values.OrderBy(p => p.HostPid).ToList(), added, removed, scan.Skipped, scan.Deferred);
    }

    /// <summary>
    /// The live processes of the node (into <see cref="ScanState.Live"/>) and, of those in a container of
    /// <paramref name="pods"/>, the ones to inspect now; the others are skipped or stay deferred.
    /// </summary>
    private List<Candidate> ListCandidates(IReadOnlyCollection<DiscoveryPod> pods, ScanState scan)
    {
        var podsByUid = new Dictionary<string, DiscoveryPod>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            podsByUid.TryAdd(pod.Uid.ToLowerInvariant(), pod);
        }

        var candidates = new List<Candidate>();
        foreach (var pid in _procFs.ListProcessIds())
        {
            var stat = TryReadStat(pid);
            if (stat is null || stat.Value.State is 'Z' or 'X')
            {
                continue;
            }

            var key = new ProcessKey(pid, stat.Value.StartTime);
            scan.Live.Add(key);
            if (IdentityOf(key) is not { } identity || !podsByUid.TryGetValue(identity.PodUid, out var pod))
            {
                continue;
            }

            if (identity.ContainerId is null)
            {
                scan.Skipped.Add(new SkippedProcess(pid, pod.Uid, null, SkipReason.NoContainer));
                continue;
            }

            if (pod.FindContainer(identity.ContainerId, out var statusRuntime) is not { } container)
            {
                scan.Skipped.Add(new SkippedProcess(pid, pod.Uid, identity.ContainerId, SkipReason.UnknownContainer));
                continue;
            }

            if (IsDue(key, pod.Uid, scan))
            {
                var runtime = statusRuntime != ContainerRuntime.Unknown ? statusRuntime : identity.Runtime;
                candidates.Add(new Candidate(key, pod.Uid, identity.ContainerId, container.Name, runtime));
            }
        }

        return candidates;
    }

    /// <summary>
    /// Whether a process may be inspected now: not while an earlier inspection of it hangs (it is deferred again), nor
    /// before its deferral ends (it stays deferred); a process that was deferred keeps its place in the scan meanwhile.
    /// </summary>
    private bool IsDue(ProcessKey key, string podUid, ScanState scan)
    {
        if (_hungProbes.TryGetValue(key, out var hung) && !hung.IsCompleted)
        {
            Defer(key, podUid, AttachOutcome.Timeout, "an earlier inspection of this process has not returned", scan);
            return false;
        }

        _hungProbes.Remove(key);
        if (_deferred.TryGetValue(key, out var wait) && wait.RetryAt > scan.Now)
        {
            scan.Deferred.Add(wait);
            CarryForward(key, scan);
            return false;
        }

        _deferred.Remove(key);
        return true;
    }

    /// <summary>An inspection's outcome: discovered (diagnostics available or disabled), skipped (no .NET), gone, or deferred.</summary>
    private void Classify(Candidate candidate, SocketLookup lookup, ScanState scan)
    {
        var key = candidate.Key;
        switch (lookup.Failure)
        {
            case null:
            case AttachOutcome.DiagnosticsDisabled:
                scan.Current[key] = new DiscoveredProcess(
                    key.HostPid, lookup.NamespacePid, key.StartTime, candidate.PodUid, candidate.ContainerId,
                    candidate.ContainerName, candidate.Runtime,
                    lookup.Endpoint is null ? DiagnosticsState.Disabled : DiagnosticsState.Available,
                    lookup.Endpoint, lookup.TempDirectory);
                break;
            case AttachOutcome.NotDotNet or AttachOutcome.NoDiagnosticSocket:
                scan.Skipped.Add(new SkippedProcess(key.HostPid, candidate.PodUid, candidate.ContainerId, SkipReason.NotDotNet));
                break;
            case AttachOutcome.ProcessExited or AttachOutcome.ProcessNotFound:
                break;
            case { } failure:
                Defer(key, candidate.PodUid, failure, lookup.Message, scan);
                break;
        }
    }

    private async Task<(Candidate Candidate, SocketLookup Lookup)> InspectAsync(Candidate candidate, CancellationToken cancellationToken)
    {
        await _probeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var probe = Task.Run(() => DiagnosticSocketLocator.Locate(_procFs, candidate.Key.HostPid, candidate.Key.StartTime), CancellationToken.None);
        try
        {
            return (candidate, await probe.WaitAsync(_options.ProbeTimeout, _timeProvider, cancellationToken).ConfigureAwait(false));
        }
        catch (TimeoutException)
        {
            // The read is stuck in the kernel (e.g. on the target's mmap lock); leave it and remember it.
            lock (_hungProbes)
            {
                _hungProbes[candidate.Key] = probe;
            }

            return (candidate, SocketLookup.Failed(AttachOutcome.Timeout,
                $"inspection did not finish within {_options.ProbeTimeout.TotalSeconds:0.###} s"));
        }
        finally
        {
            _probeSlots.Release();
        }
    }

    private void Defer(ProcessKey key, string podUid, AttachOutcome outcome, string reason, ScanState scan)
    {
        var entry = new DeferredProcess(key.HostPid, podUid, outcome, reason, scan.Now + _options.DeferDuration);
        if (_deferred.Count < _options.MaxCachedProcesses || _deferred.ContainsKey(key))
        {
            _deferred[key] = entry;
        }

        scan.Deferred.Add(entry);
        CarryForward(key, scan);
    }

    /// <summary>A process discovered before keeps its place while it is deferred, so a transient failure is not an exit.</summary>
    private void CarryForward(ProcessKey key, ScanState scan)
    {
        if (_previous.TryGetValue(key, out var known))
        {
            scan.Current[key] = known;
        }
    }

    private ProcStat? TryReadStat(int pid)
    {
        try
        {
            return _procFs.ReadStat(pid);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    private CgroupIdentity? IdentityOf(ProcessKey key)
    {
        if (_identities.TryGetValue(key.HostPid, out var cached) && cached.StartTime == key.StartTime)
        {
            return cached.Identity;
        }

        string? content;
        try
        {
            content = _procFs.ReadCgroup(key.HostPid);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return null;
        }

        if (content is null)
        {
            return null;
        }

        var identity = CgroupParser.Parse(content);
        // Only a pod identity is final. A container runtime creates the container's first process before moving it into
        // the container's cgroup (and exec keeps the PID and start time), so "in no pod" may change once: read it again.
        if (identity is not null && (_identities.Count < _options.MaxCachedProcesses || _identities.ContainsKey(key.HostPid)))
        {
            _identities[key.HostPid] = (key.StartTime, identity);
        }

        return identity;
    }

    private void Prune(HashSet<ProcessKey> live)
    {
        foreach (var (pid, entry) in _identities.ToList())
        {
            if (!live.Contains(new ProcessKey(pid, entry.StartTime)))
            {
                _identities.Remove(pid);
            }
        }

        foreach (var key in _deferred.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _deferred.Remove(key);
        }

        lock (_hungProbes)
        {
            foreach (var key in _hungProbes.Where(p => p.Value.IsCompleted || !live.Contains(p.Key)).Select(p => p.Key).ToList())
            {
                _hungProbes.Remove(key);
            }
        }
    }

    private sealed record Candidate(ProcessKey Key, string PodUid, string ContainerId, string ContainerName, ContainerRuntime Runtime);

    /// <summary>What one scan has found so far, as of its start (<see cref="Now"/>).</summary>
    private sealed class ScanState(DateTimeOffset now)
    {
        public DateTimeOffset Now { get; } = now;

        public HashSet<ProcessKey> Live { get; } = [];

        public List<SkippedProcess> Skipped { get; } = [];

        public List<DeferredProcess> Deferred { get; } = [];

        public Dictionary<ProcessKey, DiscoveredProcess> Current { get; } = [];
    }
}

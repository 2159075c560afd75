namespace Flamewatch;

/// <summary>The counters behind <see cref="Profiler.Statistics"/> that the agent exporter does not keep itself; thread-safe.</summary>
internal sealed class ProfilerCounters
{
    private long _profilesCollected;
    private long _profilesDropped;
    private long _startFailures;
    private string? _lastError;

    public long ProfilesCollected => Interlocked.Read(ref _profilesCollected);

    public long ProfilesDropped => Interlocked.Read(ref _profilesDropped);

    public long StartFailures => Interlocked.Read(ref _startFailures);

    public string? LastError => Volatile.Read(ref _lastError);

    public void ProfileCollected() => Interlocked.Increment(ref _profilesCollected);

    public void Dropped(long count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _profilesDropped, count);
        }
    }

    public void StartFailed(string reason)
    {
        Interlocked.Increment(ref _startFailures);
        Failed(reason);
    }

    public void Failed(string reason) => Volatile.Write(ref _lastError, reason);
}

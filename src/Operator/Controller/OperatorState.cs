namespace Flamewatch.Operator.Controller;

/// <summary>What /healthz and /readyz report.</summary>
internal sealed class OperatorState
{
    private volatile bool _cachesSynced;
    private volatile bool _isLeader;
    private volatile Exception? _faulted;

    public bool CachesSynced
    {
        get => _cachesSynced;
        set => _cachesSynced = value;
    }

    public bool IsLeader
    {
        get => _isLeader;
        set => _isLeader = value;
    }

    public Exception? Faulted
    {
        get => _faulted;
        set => _faulted = value;
    }
}

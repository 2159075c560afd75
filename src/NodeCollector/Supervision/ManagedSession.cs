using Flamewatch.Profiling;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>The supervisor's handle on one session: its spec, the profiling session once created, and its lifecycle task.</summary>
internal sealed class ManagedSession(SessionSpec spec)
{
    public SessionSpec Spec { get; } = spec;

    /// <summary>Cancels attaching (a stop requested before the session runs).</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    public ProfilingSession? Session { get; set; }

    /// <summary>Runs from attach to the end of the session (never faults).</summary>
    public Task Lifecycle { get; set; } = Task.CompletedTask;

    public volatile bool StopRequested;

    public bool IsRunning => Session?.State == SessionState.Running;
}

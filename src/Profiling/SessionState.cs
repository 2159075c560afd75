namespace Flamewatch.Profiling;

/// <summary>
/// Lifecycle of a <see cref="ProfilingSession"/>: Unstarted → Running → Stopping → Stopped, or Aborted when attaching
/// failed or the session could not go on. Stopped and Aborted are final.
/// </summary>
public enum SessionState
{
    Unstarted,
    Running,
    Stopping,
    Stopped,
    Aborted,
}

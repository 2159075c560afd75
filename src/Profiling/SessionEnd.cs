namespace Flamewatch.Profiling;

/// <summary>Why a session ended.</summary>
public enum SessionEnd
{
    /// <summary>Stopped on request (duration elapsed, shutdown).</summary>
    Stopped,
    /// <summary>The target process exited; the profile of the partial period was still exported.</summary>
    ProcessExited,
    /// <summary>Could not attach; see <see cref="SessionResult.Attach"/>.</summary>
    AttachFailed,
    /// <summary>The EventPipe stream failed while the target kept running.</summary>
    Faulted,
}

namespace Flamewatch;

/// <summary>What a <see cref="Profiler"/> has done since it was constructed (all Start/Stop cycles together).</summary>
/// <param name="ProfilesCollected">Profiles built, one per period plus the partial period flushed by each Stop.</param>
/// <param name="UploadsSucceeded">Uploads the agent accepted.</param>
/// <param name="UploadsFailed">Upload attempts that failed: agent unreachable, error answer or timed out (retries included).</param>
/// <param name="UploadsTimedOut">Upload attempts, among the failed, cancelled at the upload timeout.</param>
/// <param name="ProfilesDropped">Profiles never delivered: given up after retries, the queue overflowed, or still unsent when Stop's flush ended.</param>
/// <param name="StartFailures">Starts that could not profile this process (for instance <c>DOTNET_EnableDiagnostics=0</c>).</param>
/// <param name="LastError">The most recent failure, for diagnostics; null when none.</param>
public sealed record ProfilerStatistics(
    long ProfilesCollected,
    long UploadsSucceeded,
    long UploadsFailed,
    long UploadsTimedOut,
    long ProfilesDropped,
    long StartFailures,
    string? LastError);

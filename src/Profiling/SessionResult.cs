using Flamewatch.Profiling.Attach;

namespace Flamewatch.Profiling;

/// <summary>How a session ended, with a message fit for a user.</summary>
/// <param name="Periods">Profiles built (exported or dropped).</param>
/// <param name="DroppedProfiles">Profiles dropped because the export queue was full.</param>
/// <param name="FailedExports">Profiles the exporter failed to send.</param>
public sealed record SessionResult(SessionEnd End, AttachOutcome Attach, string Message, int Periods, long DroppedProfiles, long FailedExports);

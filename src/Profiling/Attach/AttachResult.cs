using Microsoft.Diagnostics.NETCore.Client;

namespace Flamewatch.Profiling.Attach;

/// <summary>The result of <see cref="TargetAttacher.AttachAsync"/>: a client on success, a reason otherwise.</summary>
internal sealed record AttachResult(AttachOutcome Outcome, string Message, DiagnosticsClient? Client, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>The target's runtime, when it told (null: unknown; the session then uses the events every supported runtime has).</summary>
    public RuntimeVersion? Runtime { get; init; }

    /// <summary>
    /// The socket the client connects through, on success by an endpoint: it must outlive every use of the client, and
    /// whoever holds the result disposes it once the client is no longer used.
    /// </summary>
    public DiagnosticSocket? Socket { get; init; }

    public bool Succeeded => Outcome == AttachOutcome.Attached && Client is not null;

    public static AttachResult Failed(AttachOutcome outcome, string message) =>
        new(outcome, message, null, new Dictionary<string, string>());
}

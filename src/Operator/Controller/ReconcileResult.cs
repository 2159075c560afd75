namespace Flamewatch.Operator.Controller;

/// <summary>What a successful reconcile asks of the queue. Failures are exceptions (retried with per-key backoff).</summary>
internal readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done { get; } = new(null);

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}

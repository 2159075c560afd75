namespace Flamewatch.Operator.Admission;

/// <summary>What the admission webhook did with one pod; the label of <c>flamewatch_webhook_admissions_total</c>.</summary>
internal enum InjectionOutcome
{
    /// <summary>At least one container got the sampling-rate variable.</summary>
    Injected,

    /// <summary>No ContinuousProfile of the namespace selects the pod, and it does not opt in by hand.</summary>
    NotSelected,

    /// <summary>The pod opts out by hand (<c>flamewatch.io/enabled: "false"</c>).</summary>
    OptedOut,

    /// <summary>Selected, but every container already sets the variable: nothing to change.</summary>
    AlreadySet,

    /// <summary>The request could not be read, or planning failed: admitted unchanged.</summary>
    Error,

    /// <summary>Planning did not finish in time: admitted unchanged.</summary>
    Timeout,
}

namespace Flamewatch.Operator.Admission;

/// <summary>What the certificate planner decided for the webhook Secret.</summary>
internal enum CertificateAction
{
    /// <summary>The CA and the serving certificate are valid, cover every name and are far from expiry.</summary>
    Keep,

    /// <summary>A new serving certificate signed by the existing CA.</summary>
    RenewServing,

    /// <summary>A new CA and serving certificate (none yet, unreadable, or the CA itself is due).</summary>
    IssueAll,
}

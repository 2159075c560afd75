namespace Flamewatch.Operator;

/// <summary>Stable EventIds of the operator's log messages. Never renumber; only append.</summary>
internal enum LogEventIds
{
    ReconcileFailed = 1,
    ReconcileSucceeded = 2,
    PodPatchFailed = 3,
    PodPatchStale = 4,
    EventNotRecorded = 5,
    StatusWriteFailed = 6,
    FinalizerAdded = 7,
    FinalizerRemoved = 8,
    InformersSynced = 9,
    StartedLeading = 10,
    StoppedLeading = 11,
    ControllerStarting = 12,
    ProfileNotFound = 13,
    AdmissionDecided = 14,
    AdmissionFailed = 15,
    AdmissionTimedOut = 16,
    AdmissionUnreadable = 17,
    WebhookListening = 18,
    WebhookCertificateIssued = 19,
    WebhookCertificateFailed = 20,
    WebhookCaBundlePublished = 21,
    WebhookConfigurationMissing = 22,
}

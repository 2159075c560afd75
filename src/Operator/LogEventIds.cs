namespace Flamewatch.Operator;

/// <summary>Stable EventIds of the operator's log messages, in its range 4000–4999 (docs/logging.md). Never renumber; only append.</summary>
internal enum LogEventIds
{
    ReconcileFailed = 4001,
    ReconcileSucceeded = 4002,
    PodPatchFailed = 4003,
    PodPatchStale = 4004,
    EventNotRecorded = 4005,
    StatusWriteFailed = 4006,
    FinalizerAdded = 4007,
    FinalizerRemoved = 4008,
    InformersSynced = 4009,
    StartedLeading = 4010,
    StoppedLeading = 4011,
    ControllerStarting = 4012,
    ProfileNotFound = 4013,
    AdmissionDecided = 4014,
    AdmissionFailed = 4015,
    AdmissionTimedOut = 4016,
    AdmissionUnreadable = 4017,
    WebhookListening = 4018,
    WebhookCertificateIssued = 4019,
    WebhookCertificateFailed = 4020,
    WebhookCaBundlePublished = 4021,
    WebhookConfigurationMissing = 4022,
}

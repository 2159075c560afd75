using Microsoft.Extensions.Logging;

namespace Flamewatch.Operator;

internal static partial class Log
{
    [LoggerMessage(EventId = (int)LogEventIds.ReconcileFailed, Level = LogLevel.Error, Message = "Reconciling ContinuousProfile {Key} failed (attempt {Attempt}); retrying with backoff")]
    public static partial void ReconcileFailed(ILogger logger, string key, int attempt, Exception exception);

    [LoggerMessage(EventId = (int)LogEventIds.ReconcileSucceeded, Level = LogLevel.Debug, Message = "Reconciled ContinuousProfile {Key}: {PodPatches} pod patches, status written: {StatusWritten}")]
    public static partial void ReconcileSucceeded(ILogger logger, string key, int podPatches, bool statusWritten);

    [LoggerMessage(EventId = (int)LogEventIds.PodPatchFailed, Level = LogLevel.Warning, Message = "Patching the annotations of pod {Namespace}/{Pod} for ContinuousProfile {Key} failed")]
    public static partial void PodPatchFailed(ILogger logger, string @namespace, string pod, string key, Exception exception);

    [LoggerMessage(EventId = (int)LogEventIds.PodPatchStale, Level = LogLevel.Debug, Message = "Pod {Namespace}/{Pod} changed since it was read; ContinuousProfile {Key} will be re-planned")]
    public static partial void PodPatchStale(ILogger logger, string @namespace, string pod, string key);

    [LoggerMessage(EventId = (int)LogEventIds.EventNotRecorded, Level = LogLevel.Warning, Message = "Could not record the {Reason} Event on {Key}")]
    public static partial void EventNotRecorded(ILogger logger, string reason, string key, Exception exception);

    [LoggerMessage(EventId = (int)LogEventIds.FinalizerAdded, Level = LogLevel.Debug, Message = "Added the finalizer to ContinuousProfile {Key}")]
    public static partial void FinalizerAdded(ILogger logger, string key);

    [LoggerMessage(EventId = (int)LogEventIds.FinalizerRemoved, Level = LogLevel.Information, Message = "Released every pod of ContinuousProfile {Key} and removed its finalizer")]
    public static partial void FinalizerRemoved(ILogger logger, string key);

    [LoggerMessage(EventId = (int)LogEventIds.InformersSynced, Level = LogLevel.Information, Message = "Caches synced: {Profiles} ContinuousProfiles, {Pods} pods")]
    public static partial void InformersSynced(ILogger logger, int profiles, int pods);

    [LoggerMessage(EventId = (int)LogEventIds.StartedLeading, Level = LogLevel.Information, Message = "Became the leader ({Identity}); reconciling")]
    public static partial void StartedLeading(ILogger logger, string identity);

    [LoggerMessage(EventId = (int)LogEventIds.StoppedLeading, Level = LogLevel.Warning, Message = "Lost the leadership ({Identity}); no longer writing")]
    public static partial void StoppedLeading(ILogger logger, string identity);

    [LoggerMessage(EventId = (int)LogEventIds.ControllerStarting, Level = LogLevel.Information, Message = "Starting the ContinuousProfile controller against {Server} (namespace: {Namespace}, leader election: {LeaderElection})")]
    public static partial void ControllerStarting(ILogger logger, string server, string @namespace, bool leaderElection);

    [LoggerMessage(EventId = (int)LogEventIds.AdmissionDecided, Level = LogLevel.Debug, Message = "Pod {Namespace}/{Pod} admitted ({Outcome}): {Reason}")]
    public static partial void AdmissionDecided(ILogger logger, string @namespace, string pod, string outcome, string reason);

    [LoggerMessage(EventId = (int)LogEventIds.AdmissionFailed, Level = LogLevel.Warning, Message = "Pod {Namespace}/{Pod} admitted unchanged: planning the injection failed")]
    public static partial void AdmissionFailed(ILogger logger, string @namespace, string pod, Exception exception);

    [LoggerMessage(EventId = (int)LogEventIds.AdmissionTimedOut, Level = LogLevel.Warning, Message = "Pod {Namespace}/{Pod} admitted unchanged: {Reason}")]
    public static partial void AdmissionTimedOut(ILogger logger, string @namespace, string pod, string reason);

    [LoggerMessage(EventId = (int)LogEventIds.AdmissionUnreadable, Level = LogLevel.Warning, Message = "Refused an admission request ({Reason}); the API server admits the pod unchanged")]
    public static partial void AdmissionUnreadable(ILogger logger, string reason);

    [LoggerMessage(EventId = (int)LogEventIds.WebhookListening, Level = LogLevel.Information, Message = "Pod admission webhook listening on {Url}")]
    public static partial void WebhookListening(ILogger logger, string url);

    [LoggerMessage(EventId = (int)LogEventIds.WebhookCertificateIssued, Level = LogLevel.Information, Message = "Webhook certificate: {Action} into Secret {Namespace}/{Secret}")]
    public static partial void WebhookCertificateIssued(ILogger logger, string action, string @namespace, string secret);

    [LoggerMessage(EventId = (int)LogEventIds.WebhookCertificateFailed, Level = LogLevel.Warning, Message = "Webhook certificate: reading or writing Secret {Namespace}/{Secret} failed; retrying")]
    public static partial void WebhookCertificateFailed(ILogger logger, string @namespace, string secret, Exception exception);

    [LoggerMessage(EventId = (int)LogEventIds.WebhookCaBundlePublished, Level = LogLevel.Information, Message = "Wrote the CA bundle into {Count} webhook(s) of MutatingWebhookConfiguration {Name}")]
    public static partial void WebhookCaBundlePublished(ILogger logger, string name, int count);

    [LoggerMessage(EventId = (int)LogEventIds.WebhookConfigurationMissing, Level = LogLevel.Debug, Message = "MutatingWebhookConfiguration {Name} does not exist (yet); its CA bundle is written once it does")]
    public static partial void WebhookConfigurationMissing(ILogger logger, string name);
}

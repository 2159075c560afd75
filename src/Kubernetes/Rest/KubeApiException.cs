using System.Net;
using Flamewatch.Kubernetes.Models;

namespace Flamewatch.Kubernetes.Rest;

/// <summary>An error answered by the API server, carrying its <see cref="KubeStatus"/> (code, reason, message, causes).</summary>
public class KubeApiException : Exception
{
    public KubeApiException(KubeStatus status)
        : base(Describe(status)) => Status = status;

    public KubeApiException(KubeStatus status, Exception? inner)
        : base(Describe(status), inner) => Status = status;

    public KubeStatus Status { get; }

    public HttpStatusCode StatusCode => (HttpStatusCode)Status.Code;

    /// <summary>The machine-readable reason, e.g. NotFound, Conflict, AlreadyExists, Invalid, Expired.</summary>
    public string Reason => Status.Reason ?? "";

    public bool IsNotFound => Status.Code == 404;

    public bool IsConflict => Status.Code == 409 && Reason == "Conflict";

    public bool IsAlreadyExists => Status.Code == 409 && Reason == "AlreadyExists";

    /// <summary>410: a resourceVersion or continue token is too old (reason Expired or the legacy Gone).</summary>
    public bool IsExpired => Status.Code == 410 || Reason is "Expired" or "Gone";

    public bool IsInvalid => Status.Code == 422;

    internal static KubeApiException Create(KubeStatus status) =>
        status.Code == 409 && status.Reason == "Conflict" ? new KubeConflictException(status) : new KubeApiException(status);

    private static string Describe(KubeStatus s) => $"{s.Code} {s.Reason}: {s.Message}";
}

/// <summary>409 Conflict: the object changed since it was read (stale resourceVersion); re-read and retry.</summary>
public sealed class KubeConflictException(KubeStatus status) : KubeApiException(status);

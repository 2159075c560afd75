using System.Text.Json.Serialization;
using Flamewatch.Kubernetes.Json;

namespace Flamewatch.Kubernetes.Models;

/// <summary>core/v1 Event (what <c>kubectl describe</c> and <c>kubectl get events</c> show).</summary>
public sealed class KubeEvent : KubeObject
{
    public ObjectReference? InvolvedObject { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public string? Type { get; set; }
    public int? Count { get; set; }
    public DateTimeOffset? FirstTimestamp { get; set; }
    public DateTimeOffset? LastTimestamp { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; set; }

    public EventSource? Source { get; set; }
    public string? ReportingComponent { get; set; }
    public string? ReportingInstance { get; set; }
    public string? Action { get; set; }
}

public sealed class ObjectReference : KubeModel
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public string? FieldPath { get; set; }
}

public sealed class EventSource : KubeModel
{
    public string? Component { get; set; }
    public string? Host { get; set; }
}

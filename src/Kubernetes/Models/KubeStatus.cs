namespace Flamewatch.Kubernetes.Models;

/// <summary>meta/v1 Status: the body of every API error (and of ERROR watch events).</summary>
public sealed class KubeStatus : KubeModel
{
    public string? ApiVersion { get; set; } = "v1";
    public string? Kind { get; set; } = "Status";
    public ListMeta? Metadata { get; set; }
    public string? Status { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public StatusDetails? Details { get; set; }
    public int Code { get; set; }
}

public sealed class StatusDetails : KubeModel
{
    public string? Name { get; set; }
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string? Uid { get; set; }
    public List<StatusCause>? Causes { get; set; }
    public int? RetryAfterSeconds { get; set; }
}

public sealed class StatusCause : KubeModel
{
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public string? Field { get; set; }
}

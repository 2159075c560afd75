using System.Text.Json.Serialization;
using Flamewatch.Kubernetes.Json;

namespace Flamewatch.Kubernetes.Models;

/// <summary>coordination.k8s.io/v1 Lease.</summary>
public sealed class Lease : KubeObject
{
    public LeaseSpec? Spec { get; set; }
}

public sealed class LeaseSpec : KubeModel
{
    public string? HolderIdentity { get; set; }
    public int? LeaseDurationSeconds { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    public int? LeaseTransitions { get; set; }
}

using Flamewatch.Contracts.Api;
using Flamewatch.Contracts.Api.V1Alpha1;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;

namespace Flamewatch.Operator.Kubernetes;

/// <summary>
/// A ContinuousProfile as the Kubernetes client reads and writes it. The spec and status are the contract types
/// of Flamewatch.Contracts (which stays free of the client); <see cref="ToContract"/> gives the planner its view.
/// </summary>
internal sealed class ContinuousProfileResource : KubeObject
{
    public static ResourceType Type { get; } = new(
        V1Alpha1ContinuousProfile.Group,
        V1Alpha1ContinuousProfile.Version,
        V1Alpha1ContinuousProfile.Plural,
        V1Alpha1ContinuousProfile.KindValue,
        Namespaced: true);

    public V1Alpha1ContinuousProfileSpec Spec { get; set; } = new();

    public V1Alpha1ContinuousProfileStatus? Status { get; set; }

    public V1Alpha1ContinuousProfile ToContract() => new()
    {
        Metadata = new ObjectMetadata
        {
            Name = Metadata.Name,
            Namespace = Metadata.Namespace,
            Uid = Metadata.Uid,
            ResourceVersion = Metadata.ResourceVersion,
            Generation = Metadata.Generation,
            CreationTimestamp = Metadata.CreationTimestamp,
            DeletionTimestamp = Metadata.DeletionTimestamp,
            Labels = Metadata.Labels,
            Annotations = Metadata.Annotations,
            Finalizers = Metadata.Finalizers,
        },
        Spec = Spec,
        Status = Status,
    };
}

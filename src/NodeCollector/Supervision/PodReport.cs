using k8s.Models;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>A Kubernetes Event the collector wants recorded on a pod.</summary>
/// <param name="Warning">Event type <c>Warning</c> (otherwise <c>Normal</c>).</param>
internal sealed record PodReport(string PodUid, string PodNamespace, string PodName, string Reason, string Message, bool Warning)
{
    public string Type => Warning ? "Warning" : "Normal";

    /// <summary>The pod the Event is about.</summary>
    public V1ObjectReference Subject => new() { ApiVersion = "v1", Kind = "Pod", NamespaceProperty = PodNamespace, Name = PodName, Uid = PodUid };
}

using System.Globalization;
using Flamewatch.Contracts;
using Flamewatch.NodeCollector.Discovery;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>
/// One desired profiling session: a process of an annotated pod and everything its profiles must carry. Two specs are
/// equal when nothing a user could see differs, so a changed spec for a running process means "apply new settings".
/// </summary>
internal sealed record SessionSpec(
    ProcessKey Process,
    string PodUid,
    string PodNamespace,
    string PodName,
    string NodeName,
    string ContainerName,
    ProfilingSettings Settings)
{
    public const string PodNameTag = "pod_name";
    public const string NamespaceTag = "kube_namespace";
    public const string NodeTag = "kube_node";
    public const string ContainerTag = "container_name";
    public const string PodUidTag = "pod_uid";
    /// <summary>Added by the profiling session once the runtime told its version.</summary>
    public const string RuntimeVersionTag = "runtime_version";

    /// <summary>The tags of every profile: the custom labels, then the pod metadata (which wins over a label of the same key).</summary>
    public IReadOnlyDictionary<string, string> Tags()
    {
        var tags = new Dictionary<string, string>(Settings.Labels, StringComparer.Ordinal)
        {
            [PodNameTag] = PodName,
            [NamespaceTag] = PodNamespace,
            [NodeTag] = NodeName,
            [ContainerTag] = ContainerName,
            [PodUidTag] = PodUid,
        };
        return tags;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{PodNamespace}/{PodName} container {ContainerName} (PID {Process.HostPid})");
}

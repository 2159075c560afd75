using System.Text.RegularExpressions;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// Maps the text of <c>/proc/&lt;pid&gt;/cgroup</c> to the pod and container the kubelet placed the process in.
/// Pure: no I/O, never throws on bad input (malformed lines are skipped).
/// </summary>
/// <remarks>
/// Layouts understood, for cgroup v1 (<c>N:controllers:path</c>) and v2 (<c>0::path</c>):
/// <list type="bullet">
/// <item>cgroupfs driver: <c>/kubepods[/burstable|/besteffort]/pod&lt;uid&gt;/&lt;id&gt;</c> (containerd, Docker) or <c>…/crio-&lt;id&gt;</c>.</item>
/// <item>systemd driver: <c>/kubepods.slice[/kubepods-&lt;qos&gt;.slice]/kubepods[-&lt;qos&gt;]-pod&lt;uid with _&gt;.slice/&lt;runtime&gt;-&lt;id&gt;.scope</c>
/// with <c>cri-containerd-</c>, <c>crio-</c> or <c>docker-</c>; containerd's non-systemd spelling <c>…pod&lt;uid&gt;.slice:cri-containerd:&lt;id&gt;</c>.</item>
/// <item>Any prefix before the pod level (nested kubelets, <c>--cgroup-root</c>) and paths relative to the reader's cgroup
/// namespace (<c>/../..</c>): the pod is found by its <c>pod&lt;uid&gt;</c> segment, not by a fixed prefix.</item>
/// </list>
/// When several lines name a pod, the cgroup v2 line wins over v1 lines, and a line naming a container wins over one that doesn't.
/// </remarks>
internal static partial class CgroupParser
{
    private const string Uid = "[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32}";

    [GeneratedRegex("^pod(?<uid>" + Uid + ")$", RegexOptions.CultureInvariant)]
    private static partial Regex CgroupfsPodSegment();

    [GeneratedRegex("^(?:[a-z0-9_.-]*-)?kubepods(?:-(?<qos>burstable|besteffort))?-pod(?<uid>" + Uid + @")\.slice$", RegexOptions.CultureInvariant)]
    private static partial Regex SystemdPodSegment();

    [GeneratedRegex("^(?:(?<runtime>cri-containerd|crio|docker)-)?(?<id>[0-9a-f]{64})(?:\\.scope)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerSegment();

    /// <summary>Parses the whole file; <see langword="null"/> when no line places the process in a pod.</summary>
    public static CgroupIdentity? Parse(string? content)
    {
        if (string.IsNullOrEmpty(content))
        {
            return null;
        }

        CgroupIdentity? best = null;
        var bestRank = -1;
        foreach (var rawLine in content.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (!TrySplitLine(line, out var isUnified, out var path))
            {
                continue;
            }

            var identity = ParsePath(path);
            if (identity is null)
            {
                continue;
            }

            // Rank: a container ID counts most, then the v2 line; ties keep the earlier line.
            var rank = (identity.ContainerId is null ? 0 : 2) + (isUnified ? 1 : 0);
            if (rank > bestRank)
            {
                best = identity;
                bestRank = rank;
            }
        }

        return best;
    }

    /// <summary>Parses one cgroup path (the third field of a line); <see langword="null"/> when it names no pod.</summary>
    public static CgroupIdentity? ParsePath(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return null;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];

            // containerd without systemd writes "<pod slice>:cri-containerd:<id>" as one segment.
            string? colonContainer = null;
            var colon = segment.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                var parts = segment.Split(':');
                if (parts.Length != 3)
                {
                    continue;
                }

                segment = parts[0];
                colonContainer = parts[1] + "-" + parts[2];
            }

            var systemd = SystemdPodSegment().Match(segment);
            var cgroupfs = systemd.Success ? Match.Empty : CgroupfsPodSegment().Match(segment);
            if (!systemd.Success && !cgroupfs.Success)
            {
                continue;
            }

            var uid = NormalizeUid((systemd.Success ? systemd : cgroupfs).Groups["uid"].Value);
            var driver = systemd.Success ? CgroupDriver.Systemd : CgroupDriver.Cgroupfs;
            var qos = systemd.Success
                ? QosFromName(systemd.Groups["qos"].Value, PodQosClass.Guaranteed)
                : QosFromName(i > 0 ? segments[i - 1] : "..", i > 0 && segments[i - 1] == "kubepods" ? PodQosClass.Guaranteed : PodQosClass.Unknown);

            var containerSegment = colonContainer ?? (i + 1 < segments.Length ? segments[i + 1] : null);
            var (containerId, runtime) = ParseContainerSegment(containerSegment);
            return new CgroupIdentity(uid, containerId, runtime, driver, qos);
        }

        return null;
    }

    private static bool TrySplitLine(string line, out bool isUnified, out string path)
    {
        isUnified = false;
        path = string.Empty;
        var first = line.IndexOf(':', StringComparison.Ordinal);
        if (first <= 0)
        {
            return false;
        }

        var second = line.IndexOf(':', first + 1);
        if (second < 0 || !uint.TryParse(line.AsSpan(0, first), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var hierarchy))
        {
            return false;
        }

        isUnified = hierarchy == 0 && second == first + 1;
        path = line[(second + 1)..];
        return path.Length > 0;
    }

    private static (string? Id, ContainerRuntime Runtime) ParseContainerSegment(string? segment)
    {
        if (segment is null)
        {
            return (null, ContainerRuntime.Unknown);
        }

        var match = ContainerSegment().Match(segment);
        if (!match.Success)
        {
            // e.g. crio-conmon-<id>.scope (CRI-O's monitor, not the container) or a pod-level child cgroup.
            return (null, ContainerRuntime.Unknown);
        }

        var runtime = match.Groups["runtime"].Value switch
        {
            "cri-containerd" => ContainerRuntime.Containerd,
            "crio" => ContainerRuntime.CriO,
            "docker" => ContainerRuntime.Docker,
            _ => ContainerRuntime.Unknown,
        };
        return (match.Groups["id"].Value, runtime);
    }

    private static PodQosClass QosFromName(string name, PodQosClass otherwise) => name switch
    {
        "burstable" => PodQosClass.Burstable,
        "besteffort" => PodQosClass.BestEffort,
        _ => otherwise,
    };

    /// <summary>The systemd driver escapes '-' in the UID as '_'; the API form has dashes.</summary>
    private static string NormalizeUid(string uid) => uid.Replace('_', '-');
}

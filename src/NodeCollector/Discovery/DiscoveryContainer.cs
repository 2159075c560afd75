namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// One entry of a Pod's <c>status.containerStatuses</c> (or init/ephemeral container statuses):
/// the container's name and its <c>containerID</c> as the kubelet reports it, e.g. <c>containerd://&lt;64 hex&gt;</c>;
/// <see langword="null"/> or empty while the container has not started.
/// </summary>
internal sealed record DiscoveryContainer(string Name, string? ContainerId)
{
    /// <summary>
    /// Splits a status container ID (<c>containerd://…</c>, <c>cri-o://…</c>, <c>docker://…</c>) into its runtime and
    /// the bare lower-case ID that cgroup paths carry; false when it has no such form.
    /// </summary>
    public static bool TryParseContainerId(string? value, out string id, out ContainerRuntime runtime)
    {
        id = string.Empty;
        runtime = ContainerRuntime.Unknown;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var separator = value.IndexOf("://", StringComparison.Ordinal);
        var bare = (separator >= 0 ? value[(separator + 3)..] : value).Trim().ToLowerInvariant();
        if (bare.Length == 0 || !bare.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        runtime = separator < 0 ? ContainerRuntime.Unknown : value[..separator].ToLowerInvariant() switch
        {
            "containerd" => ContainerRuntime.Containerd,
            "cri-o" => ContainerRuntime.CriO,
            "docker" => ContainerRuntime.Docker,
            _ => ContainerRuntime.Unknown,
        };
        id = bare;
        return true;
    }
}

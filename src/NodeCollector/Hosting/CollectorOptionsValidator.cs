using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Hosting;

/// <summary>Checks every collector setting at startup and reports all problems at once.</summary>
internal sealed class CollectorOptionsValidator : IValidateOptions<CollectorOptions>
{
    public ValidateOptionsResult Validate(string? name, CollectorOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.NodeName))
        {
            failures.Add("the node name is missing: set NODE_NAME from the downward API (env valueFrom.fieldRef.fieldPath: spec.nodeName) or pass --node-name");
        }

        if (string.IsNullOrWhiteSpace(options.Agent))
        {
            failures.Add("--agent is required: http://host:port or unix:///path/to/socket");
        }
        else if (AgentAddressError(options.Agent) is { } agentError)
        {
            failures.Add(agentError);
        }

        if (!Enum.IsDefined(options.AgentProtocol))
        {
            failures.Add($"--agent-protocol must be datadog or pyroscope (got {options.AgentProtocol})");
        }

        if (options.Kubeconfig is { Length: > 0 } path && !File.Exists(path))
        {
            failures.Add($"--kubeconfig: the file '{path}' does not exist");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"--port must be 0 to 65535 (got {options.Port})");
        }

        if (!System.Net.IPAddress.TryParse(options.BindAddress, out _))
        {
            failures.Add($"--bind-address must be an IP address (got '{options.BindAddress}')");
        }

        if (options.RescanInterval < TimeSpan.FromMilliseconds(500) || options.RescanInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"--rescan-interval must be between 500ms and 10m (got {options.RescanInterval})");
        }

        if (!Directory.Exists(options.ProcRoot))
        {
            failures.Add($"--proc-root: '{options.ProcRoot}' does not exist; the collector needs the host's /proc (hostPID: true)");
        }

        foreach (var (label, value) in new[] { ("AttachTimeout", options.AttachTimeout), ("StopTimeout", options.StopTimeout), ("ShutdownDrainTimeout", options.ShutdownDrainTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"Collector:{label} must be positive (got {value})");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Why an agent address is unusable, or null.</summary>
    public static string? AgentAddressError(string address)
    {
        if (address.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            return address.Length > "unix://".Length && address["unix://".Length] == '/'
                ? null
                : $"--agent '{address}': a Unix socket address needs an absolute path, e.g. unix:///var/run/datadog/apm.socket";
        }

        return Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0
            ? null
            : $"--agent '{address}' is neither http://host:port nor unix:///path.sock";
    }
}

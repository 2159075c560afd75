using System.CommandLine;
using System.Globalization;
using Flamewatch.Hosting;
using Flamewatch.Settings;
using k8s;
using k8s.Exceptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Hosting;

/// <summary>
/// <c>flamewatch-collector run --agent http://host:port|unix:///path.sock [--agent-protocol datadog|pyroscope] [--port 9090]
/// [--node-name N] [--kubeconfig F] [--rescan-interval 10s]</c>: Kubernetes mode (the DaemonSet). The node name defaults to
/// <c>NODE_NAME</c>, the agent token to <c>FLAMEWATCH_TOKEN</c>. Exit codes: 0 after a clean shutdown, 2 bad configuration.
/// </summary>
internal static class RunCommand
{
    public const string Executable = "flamewatch-collector";
    public const int ExitBadConfiguration = ExecutableHost.ExitConfigurationError;
    public const string TokenVariable = "FLAMEWATCH_TOKEN";
    public const string NodeNameVariable = "NODE_NAME";

    public static Command Create()
    {
        var agent = new Option<string>("--agent") { Description = "Where profiles go: http://host:port or unix:///path.sock." };
        var protocol = new Option<string>("--agent-protocol")
        {
            Description = "datadog (Datadog agent intake, also Flamewatch's agent) or pyroscope (/ingest).",
            DefaultValueFactory = _ => "datadog",
        };
        protocol.AcceptOnlyFromAmong("datadog", "pyroscope");
        var port = new Option<int>("--port") { Description = "Port of /healthz and /metrics.", DefaultValueFactory = _ => 9090 };
        var bind = new Option<string>("--bind-address") { Description = "Address /healthz and /metrics listen on.", DefaultValueFactory = _ => "0.0.0.0" };
        var node = new Option<string>("--node-name") { Description = $"This node's name (default: ${NodeNameVariable}, set from the downward API)." };
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "A kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster)." };
        var rescan = new Option<string>("--rescan-interval") { Description = "How often the node's processes are rescanned (e.g. 10s).", DefaultValueFactory = _ => "10s" };
        var procRoot = new Option<string>("--proc-root") { Description = "The host's /proc (the DaemonSet runs with hostPID).", DefaultValueFactory = _ => "/proc" };

        var command = new Command("run", "Kubernetes mode: profile the .NET processes of the annotated pods on this node and upload their profiles.")
        {
            agent, protocol, port, bind, node, kubeconfig, rescan, procRoot,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var rescanText = result.GetValue(rescan);
            if (!GoDuration.TryParseOption(rescanText, out var rescanInterval, out var rescanError))
            {
                await Console.Error.WriteLineAsync($"{Executable}: --rescan-interval: {rescanError}").ConfigureAwait(false);
                return ExitBadConfiguration;
            }

            var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                [Key(nameof(CollectorOptions.Agent))] = result.GetValue(agent),
                [Key(nameof(CollectorOptions.AgentProtocol))] = result.GetValue(protocol),
                [Key(nameof(CollectorOptions.Port))] = result.GetValue(port).ToString(CultureInfo.InvariantCulture),
                [Key(nameof(CollectorOptions.BindAddress))] = result.GetValue(bind),
                [Key(nameof(CollectorOptions.NodeName))] = result.GetValue(node) is { Length: > 0 } name ? name : Environment.GetEnvironmentVariable(NodeNameVariable),
                [Key(nameof(CollectorOptions.Kubeconfig))] = result.GetValue(kubeconfig),
                [Key(nameof(CollectorOptions.RescanInterval))] = GoDuration.Format(rescanInterval),
                [Key(nameof(CollectorOptions.ProcRoot))] = result.GetValue(procRoot),
                [Key(nameof(CollectorOptions.Token))] = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token : null,
            };
            return await RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Builds and runs the host until it is stopped (SIGTERM, Ctrl-C or <paramref name="cancellationToken"/>).</summary>
    public static Task<int> RunAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken) =>
        ExecutableHost.RunAsync(
            Executable,
            () => CollectorHost.Build(settings),
            // Surface configuration problems (bad flags, no kubeconfig) as one clear line, before anything starts.
            services =>
            {
                _ = services.GetRequiredService<IOptions<CollectorOptions>>().Value;
                _ = services.GetRequiredService<IKubernetes>();
            },
            exception => exception is KubeConfigException,
            cancellationToken);

    private static string Key(string property) => $"{CollectorOptions.Section}:{property}";
}

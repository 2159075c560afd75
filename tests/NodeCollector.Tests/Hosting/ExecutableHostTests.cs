using System.Net;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;

namespace Flamewatch.NodeCollector.Tests.Hosting;

/// <summary>
/// The host style of the three executables, each run as a real process: --help (exit code 0), one line naming the
/// problem with exit code 2 for bad options, and /healthz, /readyz and /metrics answering.
/// </summary>
public sealed class ExecutableHostTests
{
    private const string Agent = "flamewatch-agent.dll";
    private const string Operator = "flamewatch-operator.dll";
    private const string Collector = "flamewatch-collector.dll";

    [Theory]
    [InlineData(Agent, "--bogus", "'--bogus'")]
    [InlineData(Agent, "--max-body-bytes abc", "--max-body-bytes")]
    [InlineData(Agent, "--retention 7d", "--retention: \"7d\" is not a duration")]
    [InlineData(Agent, "--retention -1h", "--retention must be positive (was -1h)")]
    [InlineData(Agent, "--max-body-bytes 10", "--max-body-bytes must be between 1 KiB and 1 GiB")]
    [InlineData(Operator, "--bogus", "'--bogus'")]
    [InlineData(Operator, "--max-concurrent-reconciles many", "--max-concurrent-reconciles")]
    [InlineData(Operator, "--leader-elect maybe", "--leader-elect: 'maybe' is neither true nor false")]
    [InlineData(Operator, "--max-concurrent-reconciles 0", "MaxConcurrentReconciles")]
    [InlineData(Collector, "run --bogus", "'--bogus'")]
    [InlineData(Collector, "run --port many", "--port")]
    [InlineData(Collector, "run --rescan-interval 7d", "--rescan-interval: \"7d\" is not a duration")]
    [InlineData(Collector, "profile --pid 1 --output profile.pb.gz --period 7d", "--period: \"7d\" is not a duration")]
    [InlineData(Collector, "collect", "'collect'")]
    public async Task A_bad_option_is_one_line_naming_it_and_exit_code_2(string executable, string arguments, string expected)
    {
        await using var api = await TestApiServer.StartAsync();
        var dataDir = Directory.CreateTempSubdirectory("flamewatch-agent-").FullName;
        string[] common = executable switch
        {
            Agent => ["--urls", "http://127.0.0.1:0", "--data-dir", dataDir],
            Operator => ["--kubeconfig", api.KubeconfigPath, "--urls", "http://127.0.0.1:0"],
            _ => [],
        };

        var line = await Executable.ConfigurationErrorAsync(executable, [.. common, .. arguments.Split(' ')]);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Agent, "", "--retention")]
    [InlineData(Operator, "", "--leader-elect")]
    [InlineData(Collector, "", "profile")]
    [InlineData(Collector, "run", "--rescan-interval")]
    public async Task Help_lists_the_flags_and_exits_0(string executable, string command, string expected)
    {
        var help = await Executable.HelpAsync(executable, command.Length == 0 ? [] : [command]);
        Assert.Contains(expected, help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_probes_answer_and_metrics_count_uploads()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var agent = await AgentProcess.StartAsync(timeout.Token, ["--retention", "168h"]);
        using var rejected = await agent.Client.PostAsync(new Uri("/profiling/v1/input", UriKind.Relative), new StringContent("not multipart"), timeout.Token);

        var answers = await Executable.ProbeAsync(agent.Address, timeout.Token);

        Assert.True(answers.AllOk, answers.ToString());
        Assert.False(rejected.IsSuccessStatusCode);
        Assert.Contains("flamewatch_agent_uploads_total{path=\"/profiling/v1/input\",result=\"rejected\"} 1\n", answers.Metrics, StringComparison.Ordinal);
        Assert.Contains("flamewatch_agent_uploads_total{path=\"/profiling/v1/input\",result=\"accepted\"} 0\n", answers.Metrics, StringComparison.Ordinal);
        Assert.Contains("flamewatch_agent_profiles_stored_total 0\n", answers.Metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operator_probes_and_metrics_answer_once_its_caches_synced()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var api = await TestApiServer.StartAsync(cancellationToken: timeout.Token);
        await api.CreateFromYamlAsync(await File.ReadAllTextAsync(RepositoryFiles.PathOf("config/crd/bases/flamewatch.io_continuousprofiles.yaml"), timeout.Token), timeout.Token);
        var url = new Uri($"http://127.0.0.1:{Loopback.FreePort()}");

        var answers = await Executable.StartAndProbeAsync(Operator, ["--kubeconfig", api.KubeconfigPath, "--urls", url.ToString(), "--leader-elect=false"], url, timeout.Token);

        Assert.True(answers.AllOk, answers.ToString());
        Assert.Contains("controller_runtime_reconcile_total{controller=", answers.Metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collector_probes_and_metrics_answer_once_its_pod_cache_synced()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var api = await TestApiServer.StartAsync(cancellationToken: timeout.Token);
        var port = Loopback.FreePort();

        var answers = await Executable.StartAndProbeAsync(
            Collector,
            ["run", "--agent", "http://127.0.0.1:9", "--kubeconfig", api.KubeconfigPath, "--node-name", "node-1", "--bind-address", "127.0.0.1", "--port", $"{port}"],
            new Uri($"http://127.0.0.1:{port}"),
            timeout.Token);

        Assert.True(answers.AllOk, answers.ToString());
        Assert.Contains("flamewatch_collector_sessions_active 0", answers.Metrics, StringComparison.Ordinal);
    }
}

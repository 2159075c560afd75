using System.Globalization;
using Flamewatch.NodeCollector.Tests.SimulatedNodes;
using Flamewatch.Profiling.Pprof;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.Profiles;
using Flamewatch.TestKit.Runtimes;
using Flamewatch.TestKit.SimulatedNodes;
using Flamewatch.TestKit.TargetApp;
using k8s;

namespace Flamewatch.NodeCollector.Tests.Local;

/// <summary>
/// The collector as it ships, the trimmed Native AOT binary (<see cref="NativeCollector"/>), against real targets: what
/// trimming could break (attach, EventPipe parsing, symbol resolution, the runtime-version lookup, JSON and YAML of the
/// Kubernetes client, configuration binding) shows up here as a wrong profile or a missing upload.
/// </summary>
public sealed class NativeCollectorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flamewatch-native-").FullName;

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Profiles_of_every_type_have_the_target_s_method_names(string framework)
    {
        var collector = await NativeCollector.ExecutableAsync();
        using var target = await TargetProcess.StartOnAsync(framework, "hot", "alloc", "exceptions", "lock");
        var output = Path.Combine(_directory, $"{framework}.pb.gz");

        var (exit, _, stderr) = await CollectorCli.RunAsync(collector,
        [
            "profile", "--pid", target.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "6s", "--output", output,
            "--profile-types", "cpu,wall,allocations,allocatedMemory,heapLiveSize,exceptions,lockContention",
        ]);

        Assert.True(exit == 0, stderr);
        var profile = ProfileReader.FromFile(output);
        bool In(Sample sample, string method) => profile.Frames(sample).Any(f => f == "Flamewatch.TestKit.TargetApp.Workloads." + method);
        Assert.True(profile.Sum("cpu-time", s => In(s, "HotA") && profile.OnThread(s, Workloads.HotThreadName)) > 0, "CPU samples in HotA");
        Assert.True(profile.Sum("wall-time", s => In(s, "RunHotLoop")) > 0, "wall samples in RunHotLoop");
        Assert.True(profile.Sum("alloc-samples", s => In(s, "AllocateRetained")) > 0, "allocation samples at the retaining site");
        Assert.True(profile.Sum("alloc-size", s => In(s, "AllocateRetained")) > 0, "allocated bytes at the retaining site");
        Assert.True(profile.Sum("inuse-space", s => In(s, "AllocateRetained")) > 0, "live heap at the retaining site");
        Assert.True(profile.Sum("exception", s => In(s, "ThrowOften")) > 0, "exceptions thrown by ThrowOften");
        Assert.True(profile.Sum("lock-count", s => In(s, "WaitForSharedLock")) > 0, "lock contention in WaitForSharedLock");

        // The runtime-version lookup reflects on the diagnostics client's internals; it decides how allocations are sampled.
        var major = framework["net".Length..framework.IndexOf('.', StringComparison.Ordinal)];
        Assert.Contains(profile.Comments, c => c.StartsWith($"flamewatch: runtime .NET {major}.", StringComparison.Ordinal)
            && c.Contains(major == "10" ? "AllocationSampled" : "GCAllocationTick", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Uploads_reach_the_agent()
    {
        var collector = await NativeCollector.ExecutableAsync(); // publishing it (once) is not part of the timeout
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var agent = await AgentProcess.StartAsync(timeout.Token);
        using var target = await TargetProcess.StartOnAsync("net10.0", "hot");

        var (exit, _, stderr) = await CollectorCli.RunAsync(collector,
        [
            "profile", "--pid", target.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "5s", "--period", "2s",
            "--agent", agent.Url, "--application-name", "native-upload",
        ]);

        Assert.True(exit == 0, stderr);
        Assert.True(await agent.WaitForProfilesAsync("native-upload", null, n => n >= 2, timeout.Token) >= 2);
        var graph = await agent.FlameGraphAsync("native-upload", "type=cpu-time%2Fnanoseconds", timeout.Token);
        Assert.Contains("Flamewatch.TestKit.TargetApp.Workloads.HotA", graph.GetRawText(), StringComparison.Ordinal);
    }

    [SimulatedNodeFact]
    public async Task Kubernetes_mode_profiles_an_annotated_pod_and_records_its_event()
    {
        var collector = await NativeCollector.ExecutableAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var token = timeout.Token;
        await using var api = await TestApiServer.StartAsync(cancellationToken: token);
        using var client = api.CreateClient();
        await using var agent = await AgentProcess.StartAsync(token);
        await using var node = new SimulatedNode(NodeCapabilities.Current);
        var port = Loopback.FreePort();
        // Started before the pod exists, so that the pod arrives through the watch (read by the converter, not reflection).
        using var process = ChildProcess.StartProgram(collector,
        [
            "run", "--agent", agent.Url, "--node-name", "native-node", "--kubeconfig", api.KubeconfigPath,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind-address", "127.0.0.1", "--rescan-interval", "1s",
        ], NativeCollector.ImageEnvironment);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        while (await TryGetAsync(http, "readyz", token) != "ok\n")
        {
            Assert.False(process.HasExited, process.Tail(20));
            await Task.Delay(200, token);
        }

        await PodObjects.CreateAsync(client, node, "default", "native-pod", "native-node", KubeletCgroupDriver.Systemd,
            PodObjects.Enabled("native-k8s", period: "2s"), [("app", ContainerProgram.DotNet)], token);

        Assert.True(await agent.WaitForProfilesAsync("native-k8s", null, n => n >= 1, token) >= 1, process.Tail(20));
        var metrics = await TryGetAsync(http, "metrics", token) ?? "";
        Assert.Contains("flamewatch_collector_sessions_active 1\n", metrics, StringComparison.Ordinal);
        var events = await client.CoreV1.ListNamespacedEventAsync("default", cancellationToken: token);
        Assert.Contains(events.Items, e => e.InvolvedObject.Name == "native-pod" && e.Reason == "Attached" && e.Message.Contains(".NET 10.", StringComparison.Ordinal));
        Assert.False(process.HasExited, process.Tail(20));
    }

    [SimulatedNodeFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_kubeconfig_with_an_exec_credential_plugin_is_refused_in_one_line_naming_the_user()
    {
        var collector = await NativeCollector.ExecutableAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var api = await TestApiServer.StartAsync(cancellationToken: timeout.Token);

        var (exit, _, stderr) = await CollectorCli.RunAsync(collector,
            ["run", "--agent", "http://127.0.0.1:1", "--node-name", "native-node", "--kubeconfig", WriteExecKubeconfig(api), "--port", "0"]);

        Assert.True(exit == 2, stderr);
        var error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("user 'flamewatch-test' runs an exec credential plugin, which this Native AOT build cannot run", error, StringComparison.Ordinal);
    }

    /// <summary>The test server's kubeconfig with its bearer token replaced by an exec plugin that prints it.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private string WriteExecKubeconfig(TestApiServer api)
    {
        var original = File.ReadAllText(api.KubeconfigPath);
        const string TokenLine = "    token: " + TestApiServerToken;
        Assert.Contains(TokenLine, original, StringComparison.Ordinal);
        var plugin = Path.Combine(_directory, "credential-plugin");
        File.WriteAllText(plugin, $$$"""
            #!/bin/sh
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"{{{TestApiServerToken}}}"}}'

            """);
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(_directory, "exec-kubeconfig.yaml");
        File.WriteAllText(path, original.Replace(TokenLine, $"""
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: {plugin}
                  interactiveMode: Never
            """, StringComparison.Ordinal));
        return path;
    }

    private const string TestApiServerToken = "flamewatch-test-token";

    private static async Task<string?> TryGetAsync(HttpClient http, string path, CancellationToken token)
    {
        try
        {
            return await http.GetStringAsync(path, token);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

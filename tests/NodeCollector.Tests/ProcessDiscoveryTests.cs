using System.Diagnostics;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Os;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.Timing;

namespace Flamewatch.NodeCollector.Tests;

/// <summary>Scanner behaviour on a procfs-shaped directory tree: deferral, isolation, caches, PID reuse (path safety: DiagnosticSocketLocatorTests).</summary>
public sealed class ProcessDiscoveryTests : IDisposable
{
    private const string PodUid = "0b6f3a1e-7c2d-4e59-8a10-3f4b5c6d7e8f";
    private static readonly string[] s_ids = Enumerable.Range(1, 6).Select(i => new string((char)('a' + i), 64)).ToArray();

    private readonly FakeProcTree _tree = new();
    private readonly OffsetTimeProvider _time = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        _timeout.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public async Task A_hung_process_is_deferred_without_stalling_the_others()
    {
        AddContainerProcess(100, 1000, 0);
        _tree.AddSocket(100, 1000);
        AddContainerProcess(101, 1001, 1);
        _tree.AddSocket(101, 1001);
        var environ = Path.Combine(_tree.ProcessDirectory(101), "environ");
        File.Delete(environ);
        Run("mkfifo", environ); // opening it blocks until a writer comes, like a read stuck in the kernel
        using var discovery = NewDiscovery(new ProcessDiscoveryOptions { ProbeTimeout = TimeSpan.FromMilliseconds(300), DeferDuration = TimeSpan.FromSeconds(30) });

        var watch = Stopwatch.StartNew();
        var first = await discovery.ScanAsync([Pod()], _timeout.Token);
        var elapsed = watch.Elapsed;
        var second = await discovery.ScanAsync([Pod()], _timeout.Token);

        Assert.Equal([100], first.Processes.Select(p => p.HostPid));
        var deferred = Assert.Single(first.Deferred);
        Assert.Equal((101, AttachOutcome.Timeout), (deferred.HostPid, deferred.Outcome));
        Assert.Contains("did not finish", deferred.Reason);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"the scan waited {elapsed} for the hung process");
        Assert.Equal([101], second.Deferred.Select(d => d.HostPid));
        Assert.Empty(second.Added);

        await ReleaseFifoAsync(environ);
        File.Delete(environ);
        File.WriteAllText(environ, string.Empty);

        // The released read returns on its own thread; until it has, the process stays deferred (a new deferral each time).
        DiscoveryScan third;
        var settle = Stopwatch.StartNew();
        do
        {
            _time.Offset += TimeSpan.FromSeconds(31);
            third = await discovery.ScanAsync([Pod()], _timeout.Token);
        }
        while (third.Deferred.Count > 0 && settle.Elapsed < TimeSpan.FromSeconds(10) && await Delay());

        Assert.Equal([100, 101], third.Processes.Select(p => p.HostPid));
        Assert.Equal([101], third.Added.Select(p => p.HostPid));
        Assert.Empty(third.Deferred);
    }

    [Fact]
    public async Task A_deferred_process_that_was_found_before_is_not_reported_as_removed()
    {
        AddContainerProcess(100, 1000, 0);
        _tree.AddSocket(100, 1000);
        using var discovery = NewDiscovery(new ProcessDiscoveryOptions { ProbeTimeout = TimeSpan.FromMilliseconds(300) });
        await discovery.ScanAsync([Pod()], _timeout.Token);
        var environ = Path.Combine(_tree.ProcessDirectory(100), "environ");
        File.Delete(environ);
        Run("mkfifo", environ);
        try
        {
            // The identity is cached; the re-inspection hangs.
            var scan = await discovery.ScanAsync([Pod()], _timeout.Token);

            Assert.Equal([100], scan.Processes.Select(p => p.HostPid));
            Assert.Empty(scan.Removed);
            Assert.Equal([100], scan.Deferred.Select(d => d.HostPid));
        }
        finally
        {
            await ReleaseFifoAsync(environ);
        }
    }

    [Fact]
    public async Task A_reused_PID_is_a_new_process()
    {
        AddContainerProcess(100, 1000, 0);
        _tree.AddSocket(100, 1000);
        using var discovery = NewDiscovery();
        await discovery.ScanAsync([Pod()], _timeout.Token);

        _tree.RemoveProcess(100);
        AddContainerProcess(100, 5000, 0);
        _tree.AddSocket(100, 5000);
        var scan = await discovery.ScanAsync([Pod()], _timeout.Token);

        Assert.Equal([new ProcessKey(100, 1000)], scan.Removed.Select(p => p.Key));
        Assert.Equal([new ProcessKey(100, 5000)], scan.Added.Select(p => p.Key));
        Assert.EndsWith("dotnet-diagnostic-1-5000-socket", scan.Added[0].DiagnosticSocketPath);
    }

    [Fact]
    public async Task Caches_hold_only_live_processes_and_stay_within_their_bound()
    {
        for (var i = 0; i < 5; i++)
        {
            AddContainerProcess(100 + i, (ulong)(1000 + i), i);
            _tree.AddSocket(100 + i, (ulong)(1000 + i));
        }

        using var discovery = NewDiscovery(new ProcessDiscoveryOptions { MaxCachedProcesses = 2 });
        var full = await discovery.ScanAsync([Pod()], _timeout.Token);
        var cachedWhileRunning = discovery.CachedIdentityCount;
        for (var i = 0; i < 5; i++)
        {
            _tree.RemoveProcess(100 + i);
        }

        var empty = await discovery.ScanAsync([Pod()], _timeout.Token);

        Assert.Equal(5, full.Processes.Count);
        Assert.Equal(2, cachedWhileRunning);
        Assert.Equal(0, discovery.CachedIdentityCount);
        Assert.Equal(5, empty.Removed.Count);
    }

    [Fact]
    public async Task A_process_that_joins_a_container_cgroup_after_a_scan_is_found()
    {
        // A runtime moves the container's first process into its cgroup after creating it; exec keeps PID and start time.
        _tree.AddProcess(100, 1000, "0::/system.slice/containerd.service\n");
        _tree.AddSocket(100, 1000);
        using var discovery = NewDiscovery();
        var before = await discovery.ScanAsync([Pod()], _timeout.Token);

        File.WriteAllText(Path.Combine(_tree.ProcessDirectory(100), "cgroup"),
            $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{PodUid.Replace('-', '_')}.slice/cri-containerd-{s_ids[0]}.scope\n");
        var after = await discovery.ScanAsync([Pod()], _timeout.Token);

        Assert.Empty(before.Processes);
        Assert.Equal(100, Assert.Single(after.Processes).HostPid);
    }

    [Fact]
    public async Task Diagnostics_disabled_is_reported_only_for_a_process_with_a_runtime_loaded()
    {
        var disabled = new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" };
        AddContainerProcess(100, 1000, 0, disabled, maps: "7f00-7f01 r-xp 0 08:01 42 /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so\n");
        AddContainerProcess(101, 1001, 0, disabled, maps: "5500-5501 r-xp 0 08:01 43 /usr/bin/bash\n");
        using var discovery = NewDiscovery();

        var scan = await discovery.ScanAsync([Pod()], _timeout.Token);

        var process = Assert.Single(scan.Processes);
        Assert.Equal((100, DiagnosticsState.Disabled), (process.HostPid, process.Diagnostics));
        Assert.Equal((101, SkipReason.NotDotNet), (Assert.Single(scan.Skipped).HostPid, scan.Skipped[0].Reason));
    }

    [Fact]
    public async Task Zombies_other_pods_and_host_processes_are_not_looked_at()
    {
        AddContainerProcess(100, 1000, 0, state: 'Z');
        _tree.AddProcess(101, 1001, $"0::/kubepods/burstable/pod{Guid.NewGuid()}/{s_ids[1]}\n");
        _tree.AddSocket(101, 1001);
        _tree.AddProcess(102, 1002, "0::/system.slice/containerd.service\n");
        _tree.AddSocket(102, 1002);
        _tree.AddProcess(103, 1003, $"0::/kubepods/burstable/pod{PodUid}\n");
        using var discovery = NewDiscovery();

        var scan = await discovery.ScanAsync([Pod()], _timeout.Token);

        Assert.Empty(scan.Processes);
        var skipped = Assert.Single(scan.Skipped);
        Assert.Equal((103, SkipReason.NoContainer), (skipped.HostPid, skipped.Reason));
    }

    [Fact]
    public void Invalid_options_are_rejected_with_every_failure_named()
    {
        var options = new ProcessDiscoveryOptions { ProbeTimeout = TimeSpan.Zero, MaxConcurrentProbes = 0 };

        var error = Assert.Throws<ArgumentException>(() => new ProcessDiscovery(new ProcFs(_tree.Root), options, _time));
        var validation = new ProcessDiscoveryOptionsValidator().Validate(null, options);

        Assert.Contains(nameof(ProcessDiscoveryOptions.ProbeTimeout), error.Message);
        Assert.Contains(nameof(ProcessDiscoveryOptions.MaxConcurrentProbes), error.Message);
        Assert.True(validation.Failed);
        Assert.Equal(2, validation.Failures!.Count());
        Assert.True(new ProcessDiscoveryOptionsValidator().Validate(null, new ProcessDiscoveryOptions()).Succeeded);
    }

    private void AddContainerProcess(int pid, ulong startTime, int container, IReadOnlyDictionary<string, string>? environment = null,
        string maps = "", char state = 'S') =>
        _tree.AddProcess(pid, startTime,
            $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{PodUid.Replace('-', '_')}.slice/cri-containerd-{s_ids[container]}.scope\n",
            environment, maps: maps, state: state);

    private static DiscoveryPod Pod() =>
        new(PodUid, s_ids.Select((id, i) => new DiscoveryContainer("c" + i, "containerd://" + id)).ToList());

    private ProcessDiscovery NewDiscovery(ProcessDiscoveryOptions? options = null) =>
        new(new ProcFs(_tree.Root), options ?? new ProcessDiscoveryOptions(), _time);

    /// <summary>Opens the FIFO for writing, which lets the blocked reader through (it then reads end-of-file).</summary>
    private static async Task ReleaseFifoAsync(string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Task.Run(() => new FileStream(path, FileMode.Open, FileAccess.Write).Dispose(), timeout.Token).WaitAsync(timeout.Token);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }

    private static void Run(string fileName, params string[] arguments)
    {
        using var process = Process.Start(fileName, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}

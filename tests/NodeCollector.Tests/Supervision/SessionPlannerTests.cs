using Flamewatch.Contracts;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.NodeCollector.Supervision;
using Flamewatch.Profiling.Attach;

namespace Flamewatch.NodeCollector.Tests.Supervision;

/// <summary>The supervisor's pure planner: annotated pods × discovered processes × running sessions → plan.</summary>
public sealed class SessionPlannerTests
{
    private const string Node = "node-a";
    private static readonly IReadOnlySet<ProcessKey> s_noBackoff = new HashSet<ProcessKey>();
    private static readonly IReadOnlyDictionary<string, int> s_noStreaks = new Dictionary<string, int>();

    [Fact]
    public void Starts_one_session_per_dotnet_process_labelled_with_its_container()
    {
        var pod = Pod("web", ("app", "a1"), ("sidecar", "b2"));
        var scan = Scan(Process(100, pod, "app"), Process(101, pod, "sidecar"));

        var plan = SessionPlanner.Plan([pod], scan, Running(), s_noBackoff, s_noStreaks);

        Assert.Equal(["app", "sidecar"], plan.Starts.Select(s => s.ContainerName));
        Assert.All(plan.Starts, s => Assert.Equal("web", s.PodName));
        Assert.Empty(plan.Stops);
        Assert.Empty(plan.Updates);
    }

    [Fact]
    public void Ignores_processes_of_pods_that_are_not_profiled()
    {
        var pod = Pod("web", ("app", "a1"));
        var stranger = Pod("other", ("app", "c3"));
        var scan = Scan(Process(100, stranger, "app"));

        var plan = SessionPlanner.Plan([pod], scan, Running(), s_noBackoff, s_noStreaks);

        Assert.Empty(plan.Starts);
    }

    [Fact]
    public void Leaves_sessions_that_match_alone()
    {
        var pod = Pod("web", ("app", "a1"));
        var process = Process(100, pod, "app");

        var plan = SessionPlanner.Plan([pod], Scan(process), Running(Spec(pod, process)), s_noBackoff, s_noStreaks);

        Assert.False(plan.HasSessionChanges);
    }

    [Fact]
    public void Stops_the_sessions_of_a_pod_no_longer_profiled()
    {
        var pod = Pod("web", ("app", "a1"));
        var process = Process(100, pod, "app");

        var plan = SessionPlanner.Plan([], Scan(), Running(Spec(pod, process)), s_noBackoff, s_noStreaks);

        Assert.Equal([new SessionStop(process.Key, StopReason.PodNotProfiled)], plan.Stops);
    }

    [Fact]
    public void Stops_the_session_of_a_process_that_is_gone()
    {
        var pod = Pod("web", ("app", "a1"));
        var process = Process(100, pod, "app");

        var plan = SessionPlanner.Plan([pod], Scan(), Running(Spec(pod, process)), s_noBackoff, s_noStreaks);

        Assert.Equal([new SessionStop(process.Key, StopReason.ProcessGone)], plan.Stops);
    }

    [Theory]
    [InlineData("period")]
    [InlineData("frequency")]
    [InlineData("labels")]
    [InlineData("profile-types")]
    [InlineData("application-name")]
    public void Updates_a_session_whose_settings_changed(string change)
    {
        var pod = Pod("web", ("app", "a1"));
        var process = Process(100, pod, "app");
        var running = Spec(pod, process);
        var changed = pod with
        {
            Settings = change switch
            {
                "period" => pod.Settings with { Period = TimeSpan.FromSeconds(30) },
                "frequency" => pod.Settings with { SamplingFrequency = 50 },
                "labels" => pod.Settings with { Labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["team"] = "b" } },
                "profile-types" => pod.Settings with { ProfileTypes = ProfileTypes.Cpu },
                _ => pod.Settings with { ApplicationName = "renamed" },
            },
        };

        var plan = SessionPlanner.Plan([changed], Scan(process), Running(running), s_noBackoff, s_noStreaks);

        var update = Assert.Single(plan.Updates);
        Assert.Equal(changed.Settings, update.Settings);
        Assert.Empty(plan.Starts);
        Assert.Empty(plan.Stops);
    }

    [Fact]
    public void Equal_labels_in_another_order_are_no_change()
    {
        var pod = Pod("web", ("app", "a1")) is var p ? p with { Settings = p.Settings with { Labels = Labels(("a", "1"), ("b", "2")) } } : null!;
        var process = Process(100, pod, "app");
        var reordered = pod with { Settings = pod.Settings with { Labels = Labels(("b", "2"), ("a", "1")) } };

        var plan = SessionPlanner.Plan([reordered], Scan(process), Running(Spec(pod, process)), s_noBackoff, s_noStreaks);

        Assert.False(plan.HasSessionChanges);
    }

    [Fact]
    public void Does_not_start_a_backed_off_process()
    {
        var pod = Pod("web", ("app", "a1"));
        var process = Process(100, pod, "app");

        var plan = SessionPlanner.Plan([pod], Scan(process), Running(), new HashSet<ProcessKey> { process.Key }, s_noStreaks);

        Assert.Empty(plan.Starts);
    }

    [Fact]
    public void A_restarted_process_with_a_reused_pid_is_a_new_session()
    {
        var pod = Pod("web", ("app", "a1"));
        var old = Process(100, pod, "app", startTime: 1);
        var restarted = Process(100, pod, "app", startTime: 2);

        var plan = SessionPlanner.Plan([pod], Scan(restarted), Running(Spec(pod, old)), s_noBackoff, s_noStreaks);

        Assert.Equal(old.Key, Assert.Single(plan.Stops).Process);
        Assert.Equal(restarted.Key, Assert.Single(plan.Starts).Process);
    }

    [Fact]
    public void Reports_diagnostics_disabled_and_starts_nothing_for_it()
    {
        var pod = Pod("web", ("app", "a1"));
        var scan = Scan(Process(100, pod, "app", diagnostics: DiagnosticsState.Disabled));

        var plan = SessionPlanner.Plan([pod], scan, Running(), s_noBackoff, s_noStreaks);

        Assert.Empty(plan.Starts);
        var report = Assert.Single(plan.Reports);
        Assert.Equal(EventReasons.DiagnosticsDisabled, report.Reason);
        Assert.True(report.Warning);
        Assert.Contains("app", report.Message);
    }

    [Fact]
    public void Reports_each_rejected_annotation_by_key()
    {
        var pod = Pod("web", ("app", "a1")) with
        {
            Errors = [new SettingsError(FlamewatchAnnotations.Period, "\"-1s\" is not a duration"), new SettingsError(FlamewatchAnnotations.Labels, "not JSON")],
        };
        var process = Process(100, pod, "app");

        var plan = SessionPlanner.Plan([pod], Scan(process), Running(), s_noBackoff, s_noStreaks);

        Assert.Equal([FlamewatchAnnotations.Period, FlamewatchAnnotations.Labels],
            plan.Reports.Where(r => r.Reason == EventReasons.InvalidAnnotation).Select(r => r.Message.Split(':')[0]));
        Assert.Single(plan.Starts);
    }

    [Fact]
    public void Reports_no_dotnet_process_only_after_consecutive_scans()
    {
        var pod = Pod("web", ("shell", "a1"));

        var first = SessionPlanner.Plan([pod], Scan(), Running(), s_noBackoff, s_noStreaks);
        var second = SessionPlanner.Plan([pod], Scan(), Running(), s_noBackoff, first.NoProcessScans);

        Assert.DoesNotContain(first.Reports, r => r.Reason == EventReasons.NoDotNetProcess);
        var report = Assert.Single(second.Reports, r => r.Reason == EventReasons.NoDotNetProcess);
        Assert.Contains("shell", report.Message);
    }

    [Fact]
    public void A_found_process_resets_the_no_process_count()
    {
        var pod = Pod("web", ("app", "a1"));
        var first = SessionPlanner.Plan([pod], Scan(), Running(), s_noBackoff, s_noStreaks);
        var found = SessionPlanner.Plan([pod], Scan(Process(100, pod, "app")), Running(), s_noBackoff, first.NoProcessScans);
        var third = SessionPlanner.Plan([pod], Scan(), Running(), s_noBackoff, found.NoProcessScans);

        Assert.DoesNotContain(third.Reports, r => r.Reason == EventReasons.NoDotNetProcess);
    }

    [Fact]
    public void Does_not_report_a_pod_whose_containers_have_not_started()
    {
        var pod = Pod("web", ("app", null));

        var first = SessionPlanner.Plan([pod], Scan(), Running(), s_noBackoff, s_noStreaks);
        var second = SessionPlanner.Plan([pod], Scan(), Running(), s_noBackoff, first.NoProcessScans);

        Assert.Empty(second.Reports);
    }

    [Fact]
    public void Reports_a_process_discovery_could_not_inspect_as_attach_failed()
    {
        var pod = Pod("web", ("app", "a1"));
        var scan = new DiscoveryScan([], [], [], [], [new DeferredProcess(100, pod.Uid, AttachOutcome.PermissionDenied, "EACCES on /proc/100/root", DateTimeOffset.UnixEpoch)]);

        var plan = SessionPlanner.Plan([pod], scan, Running(), s_noBackoff, s_noStreaks);

        var report = Assert.Single(plan.Reports);
        Assert.Equal(EventReasons.AttachFailed, report.Reason);
        Assert.Contains("PermissionDenied", report.Message);
    }

    [Fact]
    public void Tags_carry_the_labels_and_the_pod_metadata_which_wins_over_a_label_of_the_same_key()
    {
        var pod = Pod("web", ("app", "a1")) is var p ? p with { Settings = p.Settings with { Labels = Labels(("team", "x"), ("pod_name", "spoof")) } } : null!;
        var spec = Spec(pod, Process(100, pod, "app"));

        var tags = spec.Tags();

        Assert.Equal("x", tags["team"]);
        Assert.Equal("web", tags[SessionSpec.PodNameTag]);
        Assert.Equal("default", tags[SessionSpec.NamespaceTag]);
        Assert.Equal(Node, tags[SessionSpec.NodeTag]);
        Assert.Equal("app", tags[SessionSpec.ContainerTag]);
        Assert.Equal(pod.Uid, tags[SessionSpec.PodUidTag]);
        Assert.False(tags.ContainsKey(SessionSpec.RuntimeVersionTag), "the session adds the version the runtime told");
    }

    private static ProfiledPod Pod(string name, params (string Container, string? Id)[] containers) =>
        new($"uid-{name}", "default", name, Node, new ProfilingSettings { ApplicationName = name }, [],
            [.. containers.Select(c => new DiscoveryContainer(c.Container, c.Id is null ? null : "containerd://" + c.Id))]);

    private static DiscoveredProcess Process(int pid, ProfiledPod pod, string container, ulong startTime = 1, DiagnosticsState diagnostics = DiagnosticsState.Available) =>
        new(pid, 1, startTime, pod.Uid, pod.Containers.Single(c => c.Name == container).ContainerId!["containerd://".Length..], container,
            ContainerRuntime.Containerd, diagnostics, diagnostics == DiagnosticsState.Available ? new DiagnosticEndpoint(pid, startTime, 1, $"/proc/{pid}/root/tmp/dotnet-diagnostic-1-{startTime}-socket") : null, "/tmp");

    private static SessionSpec Spec(ProfiledPod pod, DiscoveredProcess process) =>
        new(process.Key, pod.Uid, pod.Namespace, pod.Name, pod.NodeName, process.ContainerName, pod.Settings);

    private static DiscoveryScan Scan(params DiscoveredProcess[] processes) => new(processes, processes, [], [], []);

    private static Dictionary<ProcessKey, SessionSpec> Running(params SessionSpec[] specs) => specs.ToDictionary(s => s.Process);

    private static SortedDictionary<string, string> Labels(params (string Key, string Value)[] labels) =>
        new(labels.ToDictionary(l => l.Key, l => l.Value), StringComparer.Ordinal);
}

using System.Globalization;
using Flamewatch.NodeCollector.Discovery;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>
/// The session supervisor's pure half: annotated pods of this node × discovered .NET processes → desired sessions,
/// compared with the running ones → starts, stops and updates, plus the Events that describe each pod's state.
/// No I/O and no clock: the same inputs always give the same plan (<see cref="SessionSupervisor"/> applies it).
/// </summary>
internal static class SessionPlanner
{
    /// <summary>Consecutive scans a pod with started containers must show no .NET process before NoDotNetProcess is reported
    /// (a runtime creates its socket shortly after start, so one scan alone proves nothing).</summary>
    public const int NoProcessScansBeforeReport = 2;

    /// <param name="pods">The pods of this node that ask to be profiled.</param>
    /// <param name="scan">The latest discovery scan of those pods.</param>
    /// <param name="running">Sessions that run or are starting, by process.</param>
    /// <param name="backedOff">Processes not to start now (an attach failed recently).</param>
    /// <param name="noProcessScans">The previous plan's <see cref="SessionPlan.NoProcessScans"/>.</param>
    public static SessionPlan Plan(
        IReadOnlyCollection<ProfiledPod> pods,
        DiscoveryScan scan,
        IReadOnlyDictionary<ProcessKey, SessionSpec> running,
        IReadOnlySet<ProcessKey> backedOff,
        IReadOnlyDictionary<string, int> noProcessScans)
    {
        var podsByUid = new Dictionary<string, ProfiledPod>(StringComparer.OrdinalIgnoreCase);
        foreach (var pod in pods)
        {
            podsByUid.TryAdd(pod.Uid, pod);
        }

        var reports = new List<PodReport>();
        foreach (var pod in pods.OrderBy(p => p.Uid, StringComparer.Ordinal))
        {
            foreach (var error in pod.Errors)
            {
                reports.Add(Report(pod, EventReasons.InvalidAnnotation, $"{error.Source}: {error.Message}", warning: true));
            }
        }

        var desired = new Dictionary<ProcessKey, SessionSpec>();
        var podsWithProcess = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var process in scan.Processes)
        {
            if (!podsByUid.TryGetValue(process.PodUid, out var pod))
            {
                continue;
            }

            podsWithProcess.Add(pod.Uid);
            if (process.Diagnostics == DiagnosticsState.Disabled)
            {
                reports.Add(Report(pod, EventReasons.DiagnosticsDisabled, string.Create(CultureInfo.InvariantCulture,
                    $"Container {process.ContainerName} runs .NET with DOTNET_EnableDiagnostics=0 (PID {process.NamespacePid} in the container); it cannot be profiled until it starts without that setting."),
                    warning: true));
                continue;
            }

            desired[process.Key] = new SessionSpec(process.Key, pod.Uid, pod.Namespace, pod.Name, pod.NodeName, process.ContainerName, pod.Settings);
        }

        foreach (var deferred in scan.Deferred)
        {
            if (podsByUid.TryGetValue(deferred.PodUid, out var pod))
            {
                podsWithProcess.Add(pod.Uid);
                reports.Add(Report(pod, EventReasons.AttachFailed, string.Create(CultureInfo.InvariantCulture,
                    $"Cannot inspect process {deferred.HostPid} (host PID): {deferred.Outcome}: {deferred.Reason}"), warning: true));
            }
        }

        var streaks = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var pod in pods.OrderBy(p => p.Uid, StringComparer.Ordinal))
        {
            if (podsWithProcess.Contains(pod.Uid) || !pod.HasStartedContainer)
            {
                continue;
            }

            var streak = noProcessScans.GetValueOrDefault(pod.Uid) + 1;
            streaks[pod.Uid] = streak;
            if (streak >= NoProcessScansBeforeReport)
            {
                var containers = string.Join(", ", pod.Containers.Where(c => !string.IsNullOrEmpty(c.ContainerId)).Select(c => c.Name));
                reports.Add(Report(pod, EventReasons.NoDotNetProcess,
                    $"No .NET process with a diagnostic socket in the started containers ({containers}); nothing to profile.", warning: true));
            }
        }

        var stops = new List<SessionStop>();
        var updates = new List<SessionSpec>();
        foreach (var (key, spec) in running.OrderBy(r => r.Key.HostPid))
        {
            if (!desired.TryGetValue(key, out var wanted))
            {
                var reason = podsByUid.ContainsKey(spec.PodUid) ? StopReason.ProcessGone : StopReason.PodNotProfiled;
                stops.Add(new SessionStop(key, reason));
            }
            else if (wanted != spec)
            {
                updates.Add(wanted);
            }
        }

        var starts = desired.Values
            .Where(spec => !running.ContainsKey(spec.Process) && !backedOff.Contains(spec.Process))
            .OrderBy(spec => spec.Process.HostPid)
            .ToList();
        return new SessionPlan(starts, stops, updates, reports, streaks);
    }

    private static PodReport Report(ProfiledPod pod, string reason, string message, bool warning) =>
        new(pod.Uid, pod.Namespace, pod.Name, reason, message, warning);
}

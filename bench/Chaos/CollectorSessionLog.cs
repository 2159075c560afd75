using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Flamewatch.Bench.Chaos;

/// <summary>
/// The collector's sessions as its own log tells them (console lines, fed as they arrive): a session runs from
/// "Profiling …" (event 2003) until "Stopping the session …" (2006) or, when it ended by itself, "Session … ended"
/// (2005). Keyed by pod and host PID. A start for a process that already has a running session is a duplicate.
/// </summary>
internal sealed partial class CollectorSessionLog
{
    /// <summary>The collector's event ids (src/NodeCollector/Log.cs).</summary>
    public const int SessionStarted = 2003;
    public const int AttachFailed = 2004;
    public const int SessionEnded = 2005;
    public const int SessionStopping = 2006;

    private readonly Lock _lock = new();
    private readonly Stopwatch _clock;
    private readonly Dictionary<(string Pod, int Pid), RunningSession> _running = [];
    private readonly List<SessionEvent> _events = [];
    private int? _pending;

    public CollectorSessionLog(Stopwatch clock) => _clock = clock;

    /// <summary>Starts logged for a process that already had a running session.</summary>
    public int DuplicateStarts { get; private set; }

    /// <summary>Sessions that ended without being stopped (their stream broke; the processes never exit here).</summary>
    public int UnexpectedEnds { get; private set; }

    public int AttachFailures { get; private set; }

    /// <summary>Pod name → period of each running session, by process.</summary>
    public IReadOnlyDictionary<(string Pod, int Pid), RunningSession> Running
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<(string Pod, int Pid), RunningSession>(_running);
            }
        }
    }

    /// <summary>When the collector first logged <paramref name="kind"/> for <paramref name="pod"/> at or after <paramref name="since"/>.</summary>
    public TimeSpan? FirstAfter(string pod, int kind, TimeSpan since, TimeSpan? period = null)
    {
        lock (_lock)
        {
            return _events.FirstOrDefault(e => e.Pod == pod && e.Kind == kind && e.At >= since && (period is null || e.Period == period))?.At;
        }
    }

    /// <summary>Takes one output line of the collector: <c>info: Category[EventId]</c>, then the message (on the same line or the next).</summary>
    public void Add(string line)
    {
        if (Header().Match(line) is { Success: true } header)
        {
            _pending = header.Groups["category"].Value.StartsWith("Flamewatch.NodeCollector", StringComparison.Ordinal)
                ? int.Parse(header.Groups["id"].Value, CultureInfo.InvariantCulture)
                : null;
            if (header.Groups["message"].Success && _pending is { } id)
            {
                _pending = null;
                Take(id, header.Groups["message"].Value);
            }
        }
        else if (_pending is { } id)
        {
            _pending = null;
            Take(id, line.Trim());
        }
    }

    private void Take(int eventId, string message)
    {
        Match match;
        switch (eventId)
        {
            case AttachFailed:
                lock (_lock)
                {
                    AttachFailures++;
                }

                return;
            case SessionStarted:
                match = StartedMessage().Match(message);
                break;
            case SessionStopping:
                match = StoppingMessage().Match(message);
                break;
            case SessionEnded:
                match = EndedMessage().Match(message);
                break;
            default:
                return;
        }

        if (!match.Success)
        {
            return;
        }

        var key = (match.Groups["pod"].Value, int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture));
        TimeSpan? period = match.Groups["period"].Success ? TimeSpan.Parse(match.Groups["period"].Value, CultureInfo.InvariantCulture) : null;
        lock (_lock)
        {
            _events.Add(new SessionEvent(_clock.Elapsed, key.Item1, eventId, period));
            switch (eventId)
            {
                case SessionStarted:
                    if (_running.ContainsKey(key))
                    {
                        DuplicateStarts++;
                    }

                    _running[key] = new RunningSession(period ?? TimeSpan.Zero);
                    break;
                case SessionStopping:
                    _running.Remove(key);
                    break;
                case SessionEnded when match.Groups["end"].Value != "Stopped":
                    UnexpectedEnds++;
                    _running.Remove(key);
                    break;
            }
        }
    }

    private const string Session = @"[^/\s]+/(?<pod>\S+) container \S+ \(PID (?<pid>\d+)\)";

    [GeneratedRegex(@"^\w+: (?<category>[\w.]+)\[(?<id>\d+)\]( (?<message>.+))?$")]
    private static partial Regex Header();

    [GeneratedRegex("^Profiling " + Session + @" as \S+ \(\.NET [^,]*, period (?<period>[0-9:.]+), \d+ Hz\)$")]
    private static partial Regex StartedMessage();

    [GeneratedRegex("^Stopping the session of " + Session + " ")]
    private static partial Regex StoppingMessage();

    [GeneratedRegex("^Session of " + Session + @" ended \((?<end>\w+)\)")]
    private static partial Regex EndedMessage();

    internal sealed record RunningSession(TimeSpan Period);

    private sealed record SessionEvent(TimeSpan At, string Pod, int Kind, TimeSpan? Period);
}

namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// Turns sampler timestamps into time weights. The runtime samples every managed thread once per round; a sample
/// stands for the time since that thread's previous sample, capped at <see cref="CapFactor"/> × the typical round
/// interval so that gaps (between duty-cycle slices, or a thread's first sample) are not counted as sampled time.
/// A new round starts when a thread already seen in the current round is sampled again, or half an interval passed.
/// Not thread-safe; one instance per event stream.
/// </summary>
internal sealed class SampleWeigher
{
    public const double CapFactor = 2.0;

    private readonly Dictionary<int, double> _lastByThread = [];
    private readonly HashSet<int> _threadsInRound = [];
    private readonly double[] _recentIntervals = new double[31];
    private int _intervalCount;
    private double _lastRoundMs = double.NaN;
    private double _nominalMs;

    /// <param name="nominalIntervalMs">Expected round interval until measured (from the target's sampler setting).</param>
    public SampleWeigher(double nominalIntervalMs) => _nominalMs = nominalIntervalMs;

    /// <summary>The typical round interval: the median of recent rounds, or the initial guess.</summary>
    public double NominalIntervalMs => _nominalMs;

    /// <summary>Rounds seen so far.</summary>
    public long Rounds { get; private set; }

    /// <summary>
    /// Accounts one sample. Returns its weight (ms), and whether it opened a new round together with the time that
    /// round covers (ms), which the caller adds to the period's sampled time.
    /// </summary>
    public (double Weight, double NewRoundMs) Add(int threadId, double timestampMs)
    {
        var newRoundMs = 0.0;
        // A round ends when a thread shows up again or the round has lasted half an interval.
        if (WouldStartRound(threadId, timestampMs))
        {
            if (!double.IsNaN(_lastRoundMs))
            {
                var interval = timestampMs - _lastRoundMs;
                _recentIntervals[_intervalCount++ % _recentIntervals.Length] = interval;
                if (_intervalCount >= 5)
                {
                    _nominalMs = Median();
                }
                newRoundMs = Cap(interval);
            }
            else
            {
                newRoundMs = _nominalMs;
            }
            _lastRoundMs = timestampMs;
            _threadsInRound.Clear();
            Rounds++;
        }
        _threadsInRound.Add(threadId);
        var weight = _lastByThread.TryGetValue(threadId, out var last) ? Cap(timestampMs - last) : _nominalMs;
        _lastByThread[threadId] = timestampMs;
        return (weight, newRoundMs);
    }

    /// <summary>Whether a sample of <paramref name="threadId"/> at <paramref name="timestampMs"/> would open a new round.</summary>
    public bool WouldStartRound(int threadId, double timestampMs) =>
        double.IsNaN(_lastRoundMs) || _threadsInRound.Contains(threadId) || timestampMs - _lastRoundMs > _nominalMs / 2;

    internal double Cap(double interval) => interval < 0 ? 0 : Math.Min(interval, CapFactor * _nominalMs);

    private double Median()
    {
        var n = Math.Min(_intervalCount, _recentIntervals.Length);
        Span<double> copy = stackalloc double[n];
        _recentIntervals.AsSpan(0, n).CopyTo(copy);
        copy.Sort();
        return copy[n / 2];
    }
}

using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling.Sampling;

/// <summary>A thread sample from a sampler session, with the weigher of that session.</summary>
internal delegate void ThreadSampleHandler(TraceStream stream, SampleWeigher weigher, ClrThreadSampleTraceData sample);

/// <summary>
/// Runs the runtime's sample profiler in short separate sessions ("slices") so that a period holds
/// frequency × period rounds while the target pays for the stop-the-world stack walks only during slices. The period
/// is split into cycles of ≈10 s; each cycle gets one slice at a random phase, sized from the measured round
/// interval, and the slice stops as soon as the cycle's share of rounds is reached (rounds after that are ignored).
/// </summary>
/// The kernel's per-thread CPU readings (<paramref name="kernelCpu"/>) run during slices only.
internal sealed class DutyCycledSampler(DiagnosticsClient client, int pid, int frequencyHz, double intervalMs, ThreadSampleHandler onSample, ILogger logger, TimeProvider time,
    Os.ThreadCpuSampler? kernelCpu = null)
{
    private static readonly TimeSpan Cycle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SessionStartUp = TimeSpan.FromMilliseconds(500);

    /// <summary>The sampler's round interval, measured by the last slice with enough rounds (the runtime's nominal one before).</summary>
    public double IntervalMs { get; private set; } = intervalMs;

    /// <summary>The provider of the runtime's sample profiler.</summary>
    public static EventPipeProvider Provider() =>
        new(SampleProfilerTraceEventParser.ProviderName, System.Diagnostics.Tracing.EventLevel.Informational, 0);

    /// <summary>Samples the period from <paramref name="periodStart"/> to <paramref name="periodEnd"/>; returns at its end.</summary>
    public async Task RunPeriodAsync(DateTimeOffset periodStart, DateTimeOffset periodEnd, bool firstSliceAtStart, CancellationToken cancellationToken)
    {
        var period = periodEnd - periodStart;
        var cycles = Math.Max(1, (int)Math.Round(period / Cycle));
        var cycle = period / cycles;
        long rounds = 0;
        for (var c = 0; c < cycles; c++)
        {
            var cycleEnd = periodStart + (cycle * (c + 1));
            var target = (long)Math.Round(frequencyHz * (cycle * (c + 1)).TotalSeconds) - rounds;
            if (target > 0)
            {
                // Start at a random point that leaves room for twice the expected on-time plus session start-up, so
                // that a slowed-down sampler (a loaded machine) still reaches the target before the cycle ends.
                var onTime = TimeSpan.FromMilliseconds(target * IntervalMs * 2) + SessionStartUp;
                var room = cycleEnd - time.GetUtcNow() - onTime;
                if (room > TimeSpan.Zero && !(firstSliceAtStart && c == 0))
                {
                    await Task.Delay(room * Random.Shared.NextDouble(), time, cancellationToken).ConfigureAwait(false);
                }
                rounds += await RunSliceAsync(target, cycleEnd, cancellationToken).ConfigureAwait(false);
            }
            await time.DelayUntilAsync(cycleEnd, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> RunSliceAsync(long targetRounds, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var weigher = new SampleWeigher(IntervalMs);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = false;
        TraceStream? stream = null;
        kernelCpu?.Resume();
        try
        {
            var configuration = new EventPipeSessionConfiguration([Provider()], circularBufferSizeMB: 16, requestRundown: false, requestStackwalk: true);
            stream = await TraceStream.StartAsync(client, configuration, cancellationToken).ConfigureAwait(false);
            var sampler = new SampleProfilerTraceEventParser(stream.Source);
            var current = stream;
            sampler.ThreadSample += e =>
            {
                if (closed)
                {
                    return;
                }
                // A sample of a new round beyond the target closes the slice.
                if (weigher.Rounds >= targetRounds && weigher.WouldStartRound(e.ThreadID, e.TimeStampRelativeMSec))
                {
                    closed = true;
                    reached.TrySetResult();
                    return;
                }
                onSample(current, weigher, e);
            };
            stream.Run($"flamewatch-{pid}-sampler");
            var remaining = deadline - time.GetUtcNow();
            await Task.WhenAny(reached.Task, stream.Completion, Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, cancellationToken))
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.SliceFailed(logger, pid, e);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            kernelCpu?.Pause();
        }
        if (weigher.Rounds >= 5)
        {
            IntervalMs = weigher.NominalIntervalMs;
        }
        cancellationToken.ThrowIfCancellationRequested();
        return Math.Min(weigher.Rounds, targetRounds);
    }
}

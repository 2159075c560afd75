using System.Globalization;
using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Pprof;
using Flamewatch.Profiling.Sampling;
using Flamewatch.Profiling.Symbols;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling;

/// <summary>
/// Turns a recorded period into its profile and upload: names the frames (late binding, with a rundown while the
/// target lives), writes the comments that say how the profile was made, builds and encodes the pprof, and measures
/// the period.
/// </summary>
internal sealed class PeriodAssembler(int pid, SessionConfiguration configuration, RuntimeVersion? runtime, LateBinder binder, ILogger logger)
{
    private readonly ProfilingOptions _options = configuration.Options;

    /// <param name="eventsLost">
    /// Events the runtime's buffers dropped since the session started, all streams together; read once the frames are
    /// named (the streams report losses as they read on, rundown included).
    /// </param>
    public async Task<AssembledPeriod> AssembleAsync(RecordedPeriod recorded, Dictionary<int, ThreadCpu> threads, DiagnosticsClient? client,
        bool targetAlive, Func<long> eventsLost)
    {
        var period = recorded.Samples;
        var (unresolved, unresolvedSamples) = await binder.BindAsync(period, client, allowRundown: targetAlive).ConfigureAwait(false);
        var comments = Comments(recorded, unresolvedSamples, eventsLost());
        var profile = PeriodProfileBuilder.Build(period, recorded.End, threads, binder.Resolve, 1_000_000_000L / _options.FrequencyHz, comments, _options.ProfileTypes);
        binder.Methods.EndPeriod();
        var bytes = PprofWriter.Write(profile);
        var statistics = new PeriodStatistics(period.Start, recorded.End, period.Rounds, period.Rounds / recorded.Seconds, !configuration.Continuous,
            period.ThreadSamples, period.AllocationSamples, unresolved, bytes.Length, recorded.GcHeapBytes, unresolvedSamples);
        Log.PeriodCompleted(logger, pid, recorded.Seconds, period.Rounds, statistics.EffectiveFrequencyHz, period.AllocationSamples, unresolved, bytes.Length);

        var tags = new Dictionary<string, string>(_options.Tags)
        {
            ["process_id"] = pid.ToString(CultureInfo.InvariantCulture),
        };
        if (runtime is not null)
        {
            tags.TryAdd("runtime_version", runtime.Text);
        }
        var upload = new ProfileUpload(_options.ApplicationName, period.Start, recorded.End, tags, [new ProfileAttachment(ProfileAttachment.DefaultName, bytes)]);
        return new AssembledPeriod(upload, statistics, profile);
    }

    /// <summary>The profile's comments: how it was sampled, what is estimated, and what was lost or dropped.</summary>
    private List<string> Comments(RecordedPeriod recorded, long unresolvedSamples, long eventsLost)
    {
        var period = recorded.Samples;
        var comments = new List<string>
        {
            $"flamewatch: effective sampling {(period.Rounds / recorded.Seconds).ToString("F1", CultureInfo.InvariantCulture)} Hz ({configuration.Mode})",
            string.Create(CultureInfo.InvariantCulture,
                $"flamewatch: unresolved-samples={unresolvedSamples} of {period.ThreadSamples} ({(period.ThreadSamples == 0 ? 0 : (double)unresolvedSamples / period.ThreadSamples):P2}) have a frame no method covers"),
        };
        if (runtime is not null)
        {
            comments.Add($"flamewatch: runtime .NET {runtime}; allocations from {(configuration.UseAllocationTicks ? "GCAllocationTick (estimated counts)" : "AllocationSampled")}");
        }
        if (recorded.GcHeapBytes is { } heapBytes)
        {
            comments.Add($"gc-heap-size-bytes={heapBytes.ToString(CultureInfo.InvariantCulture)}");
        }
        if (_options.Exceptions)
        {
            AddExceptionComments(comments, recorded.Exceptions);
        }
        if (_options.LockContention)
        {
            comments.Add(string.Create(CultureInfo.InvariantCulture,
                $"flamewatch: lock contention {period.Waits} waits; dropped={period.DroppedWaits} (at most {SampleAggregator.MaxContentionKeys} stack×thread keys per period); unpaired events since start={recorded.UnpairedWaits}"));
            if (recorded.ContentionCoverage < 1)
            {
                comments.Add(string.Create(CultureInfo.InvariantCulture,
                    $"flamewatch: lock contention observed {recorded.ContentionCoverage:P1} of the period (observation starts once the rate is known and runs in slices above {SlicedEvents.Contention.SteadyRate:F0} waits/s); {(recorded.ContentionCoverage > 0 ? $"values upscaled by {1 / recorded.ContentionCoverage:F1}" : "no values")}"));
            }
        }
        if (eventsLost > 0 && (_options.Exceptions || _options.LockContention))
        {
            comments.Add(string.Create(CultureInfo.InvariantCulture, $"flamewatch: events lost by the runtime's buffer since start={eventsLost}"));
        }
        if (recorded.LiveScale < 1)
        {
            comments.Add($"flamewatch: inuse-space scaled by {recorded.LiveScale.ToString("F3", CultureInfo.InvariantCulture)} to the GC heap size (the sampled estimate exceeded it)");
        }
        return comments;
    }

    private static void AddExceptionComments(List<string> comments, ExceptionPeriod exceptions)
    {
        comments.Add(string.Create(CultureInfo.InvariantCulture,
            $"flamewatch: exceptions {exceptions.Seen} thrown, {exceptions.Types} types; {exceptions.Kept} throw stacks kept (exact up to {ExceptionSampler.MaxExactKeys} type×stack×thread keys, then sampled: at most {ExceptionSampler.StacksPerType} stacks per type, {ExceptionSampler.MaxTypes} types per period); {(exceptions.Upscaled ? "values upscaled: each sampled stack counts for its type's sampled throws ÷ kept stacks" : "values exact")}; dropped={exceptions.Dropped}"));
        if (exceptions.Coverage < 1)
        {
            var attributed = exceptions.Attributed > 0
                ? string.Create(CultureInfo.InvariantCulture, $"; {exceptions.Attributed} more throws the runtime counted attributed to the threads throwing over {ExceptionSampler.FastThreadRate:F0}/s while observed (observing slows them)")
                : "";
            comments.Add(string.Create(CultureInfo.InvariantCulture,
                $"flamewatch: exceptions observed {exceptions.Coverage:P1} of the period (observation starts once the rate is known and runs in slices above {SlicedEvents.Exceptions.SteadyRate:F0} throws/s); values upscaled by {1 / exceptions.Coverage:F1}{attributed}"));
        }
    }
}

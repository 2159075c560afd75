using System.Globalization;
using Flamewatch.Profiling.Aggregation;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling.Symbols;

/// <summary>
/// Late binding of a period's frames to method names: the main session's JIT/loader events fill
/// <see cref="Methods"/>; at period end, frames still unknown (code JIT'd before attach, or ReadyToRun code first used
/// since) trigger one short <see cref="Rundown"/> and a second look-up.
/// </summary>
internal sealed class LateBinder(int pid, ILogger logger)
{
    private static readonly TimeSpan RundownTimeout = TimeSpan.FromSeconds(10);

    public MethodTable Methods { get; } = new();

    /// <summary>Resolves the period's frames, running a rundown when some are unknown and the target can still answer; returns how many distinct frames stayed unresolved.</summary>
    public async Task<int> BindAsync(SampleAggregator period, DiagnosticsClient? client, bool allowRundown)
    {
        var unresolved = CountUnresolved(period);
        if (unresolved > 0 && allowRundown && client is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(RundownTimeout);
                await Rundown.RunAsync(client, Methods, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.RundownFailed(logger, pid, e);
            }
            unresolved = CountUnresolved(period);
        }
        return unresolved;
    }

    /// <summary>
    /// The name of a frame. Callers' frames hold return addresses, which may sit just past the call's method: they are
    /// looked up at address − 1. Unknown frames keep their address.
    /// </summary>
    public string Resolve(ulong address, bool leaf) =>
        Methods.Resolve(leaf ? address : address - 1) ?? $"0x{address.ToString("x", CultureInfo.InvariantCulture)}";

    /// <summary>Thread samples of the period with at least one frame no method covers.</summary>
    public long UnresolvedSamples(SampleAggregator period)
    {
        var unresolvedStacks = new HashSet<int>();
        for (var id = 0; id < period.Stacks.Count; id++)
        {
            var stack = period.Stacks[id];
            for (var i = 0; i < stack.Length; i++)
            {
                if (Methods.Resolve(i == 0 ? stack[i] : stack[i] - 1) is null)
                {
                    unresolvedStacks.Add(id);
                    break;
                }
            }
        }
        long samples = 0;
        foreach (var (key, values) in period.Values)
        {
            if (unresolvedStacks.Contains(key.StackId))
            {
                samples += values.ThreadSamples;
            }
        }
        return samples;
    }

    private int CountUnresolved(SampleAggregator period)
    {
        var unresolved = new HashSet<ulong>();
        foreach (var stack in period.Stacks)
        {
            for (var i = 0; i < stack.Length; i++)
            {
                var address = i == 0 ? stack[i] : stack[i] - 1;
                if (Methods.Resolve(address) is null)
                {
                    unresolved.Add(address);
                }
            }
        }
        return unresolved.Count;
    }
}

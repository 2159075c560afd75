using System.Globalization;
using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Os;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling.Symbols;

/// <summary>
/// Late binding of a period's frames to method names: the main session's JIT/loader events fill
/// <see cref="Methods"/>; at period end, frames still unknown (code JIT'd before attach, or ReadyToRun code first used
/// since) trigger one short <see cref="Rundown"/> and a second look-up; frames rundown does not list either are named
/// from the file mapped at their address (<see cref="ModuleSymbols"/>: ReadyToRun methods by name, native code by file).
/// A frame counts as unresolved when no managed method name was found for it and it is not in a native library.
/// </summary>
internal sealed class LateBinder(int pid, ProcFs procFs, ILogger logger)
{
    private static readonly TimeSpan RundownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of addresses named from their module (memory stays bounded; beyond it, frames stay addresses).</summary>
    private const int MaxModuleNames = 100_000;

    private readonly ModuleSymbols _modules = new(pid, procFs);
    private readonly Dictionary<ulong, (string Name, bool Resolved)> _moduleNames = [];

    public MethodTable Methods { get; } = new();

    /// <summary>
    /// Resolves the period's frames, running a rundown when some are unknown and the target can still answer; returns
    /// how many distinct frames stayed unresolved and how many thread samples have at least one of them.
    /// </summary>
    public async Task<(int Frames, long Samples)> BindAsync(SampleAggregator period, DiagnosticsClient? client, bool allowRundown)
    {
        var unresolved = Unresolved(period);
        if (unresolved.Frames > 0 && allowRundown && client is not null)
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
            unresolved = Unresolved(period);
        }
        if (unresolved.Frames > 0)
        {
            NameFromModules(period);
            unresolved = Unresolved(period);
        }
        long samples = 0;
        foreach (var (key, values) in period.Values)
        {
            if (unresolved.Stacks.Contains(key.StackId))
            {
                samples += values.ThreadSamples;
            }
        }
        return (unresolved.Frames, samples);
    }

    /// <summary>
    /// The name of a frame. Callers' frames hold return addresses, which may sit just past the call's method: they are
    /// looked up at address − 1. Unknown frames keep their address.
    /// </summary>
    public string Resolve(ulong address, bool leaf)
    {
        var lookup = leaf ? address : address - 1;
        return Methods.Resolve(lookup) ?? (_moduleNames.TryGetValue(lookup, out var module) ? module.Name : $"0x{address.ToString("x", CultureInfo.InvariantCulture)}");
    }

    /// <summary>A method's name, or a native library's: not an address, unnamed runtime code or an unread managed image.</summary>
    private bool IsResolved(ulong lookup) =>
        Methods.Resolve(lookup) is not null || (_moduleNames.TryGetValue(lookup, out var module) && module.Resolved);

    private void NameFromModules(SampleAggregator period)
    {
        var refreshed = false;
        foreach (var stack in period.Stacks)
        {
            for (var i = 0; i < stack.Length; i++)
            {
                var lookup = i == 0 ? stack[i] : stack[i] - 1;
                if (_moduleNames.Count >= MaxModuleNames || Methods.Resolve(lookup) is not null || _moduleNames.ContainsKey(lookup))
                {
                    continue;
                }
                if (!refreshed)
                {
                    _modules.Refresh();
                    refreshed = true;
                }
                if (_modules.Resolve(lookup) is { } name)
                {
                    var bracketed = name.StartsWith('[');
                    _moduleNames[lookup] = (name, !bracketed || (name != ModuleSymbols.UnnamedCode && !name.EndsWith(".dll]", StringComparison.OrdinalIgnoreCase)));
                }
            }
        }
    }

    /// <summary>Distinct unresolved frames of the period and the stacks holding any.</summary>
    private (int Frames, HashSet<int> Stacks) Unresolved(SampleAggregator period)
    {
        var frames = new HashSet<ulong>();
        var stacks = new HashSet<int>();
        for (var id = 0; id < period.Stacks.Count; id++)
        {
            var stack = period.Stacks[id];
            for (var i = 0; i < stack.Length; i++)
            {
                var lookup = i == 0 ? stack[i] : stack[i] - 1;
                if (!IsResolved(lookup))
                {
                    frames.Add(lookup);
                    stacks.Add(id);
                }
            }
        }
        return (frames.Count, stacks);
    }
}

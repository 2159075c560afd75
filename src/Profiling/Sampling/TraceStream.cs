using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// One EventPipe session and the thread that parses it. TraceEvent's live <see cref="TraceLog"/> is used only to
/// intern stacks (raw instruction pointers); names are resolved later by <see cref="Symbols.MethodTable"/>, so no
/// start-up rundown is requested. Callbacks run on the parsing thread.
/// </summary>
internal sealed class TraceStream : IAsyncDisposable
{
    private readonly EventPipeSession _session;
    private readonly TraceLogEventSource _source;
    private readonly TaskCompletionSource<Exception?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<CallStackIndex, ulong[]> _stackCache = [];
    private volatile bool _trimRequested;
    private int _stopped;

    private TraceStream(EventPipeSession session, TraceLogEventSource source)
    {
        _session = session;
        _source = source;
    }

    public TraceLogEventSource Source => _source;

    /// <summary>Completes when the stream ends: stopped, or the target exited. Carries the parse error, if any.</summary>
    public Task<Exception?> Completion => _completion.Task;

    public static async Task<TraceStream> StartAsync(DiagnosticsClient client, EventPipeSessionConfiguration configuration, CancellationToken cancellationToken)
    {
        var session = await client.StartEventPipeSessionAsync(configuration, cancellationToken).ConfigureAwait(false);
        try
        {
            var source = await Task.Run(() => TraceLog.CreateFromEventPipeSession(session, TraceLog.EventPipeRundownConfiguration.None()), cancellationToken)
                .ConfigureAwait(false);
            return new TraceStream(session, source);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Starts parsing on a dedicated thread; subscribe to <see cref="Source"/> first.</summary>
    public void Run(string name)
    {
        var thread = new Thread(() =>
        {
            try
            {
                _source.Process();
                _completion.TrySetResult(null);
            }
            catch (Exception e)
            {
                _completion.TrySetResult(e);
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>The event's stack as instruction pointers, leaf first (empty when it has none).</summary>
    public ulong[] StackOf(TraceEvent data)
    {
        var stack = ReadStack(data);
        if (_trimRequested)
        {
            // Between events: the next event's stack is interned before its callback runs.
            _trimRequested = false;
            _source.TraceLog.TrimLiveSessionState();
            _stackCache.Clear();
        }
        return stack;
    }

    private ulong[] ReadStack(TraceEvent data)
    {
        var index = data.CallStackIndex();
        if (index == CallStackIndex.Invalid)
        {
            return [];
        }
        if (_stackCache.TryGetValue(index, out var cached))
        {
            return cached;
        }
        var stacks = _source.TraceLog.CallStacks;
        var addresses = _source.TraceLog.CodeAddresses;
        var frames = new List<ulong>(32);
        for (var i = index; i != CallStackIndex.Invalid; i = stacks.Caller(i))
        {
            frames.Add(addresses.Address(stacks.CodeAddressIndex(i)));
        }
        var stack = frames.ToArray();
        _stackCache[index] = stack;
        return stack;
    }

    /// <summary>Frees the stack-interning state at the next event (must happen on the parsing thread).</summary>
    public void RequestTrim() => _trimRequested = true;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            try
            {
                await _session.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The target is gone or the session already ended; the stream completes either way.
            }
        }
        try
        {
            await Completion.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A stream that does not drain is abandoned; disposing the session closes it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _session.Dispose();
        _source.Dispose();
    }
}

using System.Threading.Channels;
using Flamewatch.Profiling.Export;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling;

/// <summary>
/// The bounded queue between a session's periods and its exporter: a full queue drops the new profile and counts it
/// (sampling never waits for an upload); one loop exports in order, each upload within 60 s, and counts failures.
/// </summary>
internal sealed class ExportQueue(int pid, int capacity, IProfileExporter exporter, ILogger logger)
{
    private readonly Channel<ProfileUpload> _uploads = Channel.CreateBounded<ProfileUpload>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private long _dropped;
    private long _failed;
    private Task? _loop;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Failed => Interlocked.Read(ref _failed);

    public void Start() => _loop = Task.Run(ExportLoopAsync, CancellationToken.None);

    public void Enqueue(ProfileUpload upload)
    {
        if (!_uploads.Writer.TryWrite(upload))
        {
            Log.ProfileDropped(logger, pid, Interlocked.Increment(ref _dropped));
        }
    }

    /// <summary>Takes no more uploads and waits until the queued ones are exported (or failed).</summary>
    public async Task CompleteAsync()
    {
        _uploads.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    private async Task ExportLoopAsync()
    {
        await foreach (var upload in _uploads.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await exporter.ExportAsync(upload, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _failed);
                Log.ExportFailed(logger, pid, e);
            }
        }
    }
}

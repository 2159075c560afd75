namespace Flamewatch.Profiling.Export;

/// <summary>Counts the outcomes of an exporter's uploads: succeeded, failed, and (among the failed) timed out.</summary>
internal sealed class UploadCounters
{
    private long _succeeded;
    private long _failed;
    private long _timedOut;

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>Runs one upload and counts its outcome; exceptions pass through.</summary>
    public async Task CountAsync(Func<Task> upload)
    {
        try
        {
            await upload();
            Interlocked.Increment(ref _succeeded);
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref _timedOut);
            Interlocked.Increment(ref _failed);
            throw;
        }
        catch (ExportException)
        {
            Interlocked.Increment(ref _failed);
            throw;
        }
    }
}

using Flamewatch.NodeCollector.Metrics;
using Flamewatch.Profiling.Export;

namespace Flamewatch.NodeCollector.Export;

/// <summary>Counts each attempt of the exporter it wraps by result (success, error, timeout) and the bytes delivered.</summary>
internal sealed class CountingExporter(IProfileExporter inner, CollectorMetrics metrics) : IProfileExporter
{
    public async Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        try
        {
            await inner.ExportAsync(upload, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            metrics.Uploaded("timeout", 0);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.Uploaded("error", 0);
            throw;
        }

        metrics.Uploaded("success", upload.Attachments.Sum(a => (long)a.Content.Length));
    }
}

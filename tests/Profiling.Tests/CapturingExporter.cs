using Flamewatch.Profiling.Export;

namespace Flamewatch.Profiling.Tests;

internal sealed class CapturingExporter : IProfileExporter
{
    public List<ProfileUpload> Uploads { get; } = [];

    public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        lock (Uploads)
        {
            Uploads.Add(upload);
        }
        return Task.CompletedTask;
    }
}

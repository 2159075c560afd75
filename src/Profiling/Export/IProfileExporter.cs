namespace Flamewatch.Profiling.Export;

/// <summary>
/// Sends one period's profile somewhere: an agent intake, a Pyroscope server, a directory of files.
/// Implementations throw on failure; retry and queueing are decorators around an exporter.
/// </summary>
public interface IProfileExporter
{
    Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken);
}

using System.Globalization;
using Flamewatch.Profiling.Export;

namespace Flamewatch.Profiling.Local;

/// <summary>
/// Local mode: writes each period's pprof to disk. With a directory, every period gets its own file
/// <c>&lt;application&gt;-&lt;pid&gt;-&lt;UTC start&gt;.pb.gz</c>; with a file path, the profile is written to that file.
/// Files are written to a temporary name and renamed, so a reader never sees half a profile.
/// </summary>
internal sealed class FileProfileExporter : IProfileExporter
{
    private readonly string _path;
    private readonly bool _isDirectory;

    public FileProfileExporter(string path, bool isDirectory)
    {
        _path = path;
        _isDirectory = isDirectory;
    }

    public List<string> Written { get; } = [];

    public async Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        foreach (var attachment in upload.Attachments)
        {
            var target = _isDirectory ? Path.Combine(_path, FileName(upload)) : _path;
            var directory = Path.GetDirectoryName(Path.GetFullPath(target));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            var temporary = target + ".tmp";
            await File.WriteAllBytesAsync(temporary, attachment.Content.ToArray(), cancellationToken).ConfigureAwait(false);
            File.Move(temporary, target, overwrite: true);
            lock (Written)
            {
                Written.Add(target);
            }
        }
    }

    private static string FileName(ProfileUpload upload)
    {
        var pid = upload.Tags.TryGetValue("process_id", out var id) ? id : "0";
        var start = upload.Start.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var app = string.Concat(upload.ApplicationName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return $"{app}-{pid}-{start}.pb.gz";
    }
}

using System.Collections.Concurrent;
using Flamewatch.Profiling.Export;

namespace Flamewatch.TestKit.Profiles;

/// <summary>
/// A receiver whose every attempt (numbered from 1) runs <c>behaviour</c>: it may wait, throw (a failed upload) or
/// complete, which delivers the upload.
/// </summary>
public sealed class FakeExporter(Func<int, CancellationToken, Task> behaviour) : IProfileExporter
{
    private readonly ConcurrentQueue<ProfileUpload> _delivered = new();
    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    public IReadOnlyList<ProfileUpload> Delivered => [.. _delivered];

    /// <summary>A minimal upload (a 45 s period, a two-byte attachment) named after <paramref name="application"/>.</summary>
    public static ProfileUpload Upload(string application) =>
        new(application, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(45), new Dictionary<string, string>(),
            [new ProfileAttachment(ProfileAttachment.DefaultName, new byte[] { 0x1f, 0x8b })]);

    public async Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        await behaviour(Interlocked.Increment(ref _attempts), cancellationToken).ConfigureAwait(false);
        _delivered.Enqueue(upload);
    }
}

namespace Flamewatch.Profiling.Export;

/// <summary>A named pprof file of an upload, gzip-compressed (the intake sniffs the magic bytes).</summary>
/// <param name="Name">Part name and file name in the multipart body, e.g. <c>auto.pprof</c>.</param>
/// <param name="Content">The gzip-compressed pprof bytes.</param>
public sealed record ProfileAttachment(string Name, ReadOnlyMemory<byte> Content)
{
    /// <summary>The name Flamewatch gives the single pprof of a period, as Datadog's native profilers do.</summary>
    public const string DefaultName = "auto.pprof";
}

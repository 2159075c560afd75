namespace Flamewatch.NodeCollector.Tests;

/// <summary>System time plus an adjustable offset: timers stay real, "now" can jump ahead.</summary>
internal sealed class OffsetTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

namespace Flamewatch.TestKit.Timing;

/// <summary>System time plus an adjustable offset: timers stay real, "now" can jump ahead.</summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

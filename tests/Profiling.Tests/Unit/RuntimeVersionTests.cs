using Flamewatch.Profiling.Attach;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class RuntimeVersionTests
{
    [Theory]
    [InlineData("8.0.22+a1b2c3d4", 8, true, false, false)]
    [InlineData("9.0.11", 9, true, false, true)]
    [InlineData("10.0.0-rc.2.25502.107", 10, true, true, true)]
    [InlineData("7.0.20", 7, false, false, false)]
    [InlineData("6.0.36+abc", 6, false, false, false)]
    public void The_runtime_version_decides_which_events_are_used(string text, int major, bool supported, bool allocationSampling, bool stackless)
    {
        var version = RuntimeVersion.Parse(text)!;
        Assert.Equal(major, version.Major);
        Assert.Equal(supported, version.IsSupported);
        Assert.Equal(allocationSampling, version.HasAllocationSampling);
        Assert.Equal(stackless, version.HasStacklessSessions);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("unknown")]
    [InlineData("8")]
    public void Text_that_is_no_version_is_unknown(string? text) => Assert.Null(RuntimeVersion.Parse(text));
}

using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class ProcFsTests
{
    [Fact]
    public void Stat_names_may_contain_spaces_and_parentheses()
    {
        const string Stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 3 0 274169 1000 200 18446744073709551615";
        var parsed = ProcFs.ParseStat(Stat);
        Assert.NotNull(parsed);
        Assert.Equal("my (odd) name", parsed.Value.Name);
        Assert.Equal(175, parsed.Value.CpuTicks);
        Assert.Equal(274169UL, parsed.Value.StartTime);
    }

    [Theory]
    [InlineData("Name:\tdotnet\nNSpid:\t23303\t1\nPPid:\t1\n", 1)]
    [InlineData("Name:\tdotnet\nNSpid:\t812\n", 812)]
    [InlineData("Name:\tdotnet\n", null)]
    public void The_innermost_namespace_id_is_the_last_NSpid_field(string status, int? expected) =>
        Assert.Equal(expected, ProcFs.ParseInnermostNsPid(status));

    [Fact]
    public void The_current_process_threads_are_readable()
    {
        var threads = ProcFs.Threads(Environment.ProcessId);
        Assert.Contains(threads, t => t.HostTid == Environment.ProcessId);
        Assert.True(ProcFs.HasCoreClr(Environment.ProcessId));
    }
}

using System.Text;
using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class ProcFsTests
{
    [Theory]
    [InlineData("4242 (dotnet) S 1 4242 4242 0 -1 4194560 9 0 0 0 5 3 0 0 20 0 4 0 274169 100 5 184", "dotnet", 'S', 1, 8L, 274169UL)]
    [InlineData("7 (my (odd) app) R 3 7 7 0 -1 0 0 0 0 0 150 25 0 0 20 0 1 0 99 1 1 1", "my (odd) app", 'R', 3, 175L, 99UL)]
    [InlineData("8 (a b) c) Z 2 8 8 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 123456789012 1 1 1", "a b) c", 'Z', 2, 0L, 123456789012UL)]
    public void Stat_names_may_contain_spaces_and_parentheses(string stat, string name, char state, int parent, long cpuTicks, ulong startTime) =>
        Assert.Equal(new ProcStat(name, state, parent, cpuTicks, startTime), ProcFs.ParseStat(stat));

    [Theory]
    [InlineData("")]
    [InlineData("4242 dotnet S 1")]
    [InlineData("4242 (dotnet) S 1 2 3")]
    [InlineData("4242 (dotnet) S 1 4242 4242 0 -1 4194560 9 0 0 0 5 3 0 0 20 0 4 0 -5 100 5 184")]
    public void Malformed_stat_is_no_stat(string stat) => Assert.Null(ProcFs.ParseStat(stat));

    [Theory]
    [InlineData("Name:\tdotnet\nNSpid:\t23303\t1\nUid:\t0\n", new[] { 23303, 1 })]
    [InlineData("NSpid:\t51\n", new[] { 51 })]
    [InlineData("NSpid:\t900\t40\t1\n", new[] { 900, 40, 1 })]
    public void Reads_the_PID_in_each_namespace(string status, int[] expected) =>
        Assert.Equal(expected, ProcFs.ParseNamespacePids(status));

    [Theory]
    [InlineData("Name:\tkthreadd\n")]
    [InlineData("NSpid:\t\n")]
    [InlineData("NSpid:\tabc\n")]
    public void Missing_or_malformed_NSpid_is_unknown(string status) => Assert.Null(ProcFs.ParseNamespacePids(status));

    [Fact]
    public void Environment_entries_split_on_NUL_and_the_first_equals_sign()
    {
        var bytes = Encoding.UTF8.GetBytes("PATH=/bin\0TMPDIR=/scratch\0EMPTY=\0A=b=c\0garbage\0TMPDIR=/second\0");

        var environment = ProcFs.ParseEnvironment(bytes);

        Assert.Equal("/scratch", environment["TMPDIR"]);
        Assert.Equal(string.Empty, environment["EMPTY"]);
        Assert.Equal("b=c", environment["A"]);
        Assert.False(environment.ContainsKey("garbage"));
    }

    [Fact]
    public void The_real_proc_shows_this_process_and_its_threads()
    {
        var pid = Environment.ProcessId;

        Assert.Contains(pid, ProcFs.Host.ListProcessIds());
        Assert.Equal(pid, ProcFs.Host.ReadNamespacePids(pid)![^1]); // the innermost namespace is our own
        Assert.True(ProcFs.Host.IsAlive(pid));
        Assert.True(ProcFs.Host.MapsContain(pid, "libcoreclr.so"));
        Assert.Contains(ProcFs.Host.Threads(pid), t => t.HostTid == pid);
    }

    [Fact]
    public void A_missing_proc_root_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ProcFs("/nonexistent/proc").ListProcessIds());

        Assert.Contains("/nonexistent/proc", error.Message);
    }

    [Fact]
    public void A_process_that_does_not_exist_reads_as_gone()
    {
        var procFs = ProcFs.Host;

        Assert.Null(procFs.ReadStat(int.MaxValue));
        Assert.Null(procFs.ReadCgroup(int.MaxValue));
        Assert.Null(procFs.ReadEnvironment(int.MaxValue));
        Assert.Null(procFs.MapsContain(int.MaxValue, "x"));
        Assert.Null(procFs.ReadMaps(int.MaxValue));
        Assert.False(procFs.IsAlive(int.MaxValue));
        Assert.Empty(procFs.Threads(int.MaxValue));
    }
}

using System.Diagnostics;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.Profiles;

namespace Flamewatch.NodeCollector.Tests.Local;

/// <summary>The local-mode command, run as a user would.</summary>
public sealed class CollectorCliTests(DefaultRateTarget target) : IClassFixture<DefaultRateTarget>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flamewatch-cli-").FullName;

    [Fact]
    public async Task Profile_writes_a_pprof_that_go_pprof_parses()
    {
        var output = Path.Combine(_directory, "out.pb.gz");
        var (exit, stdout, stderr) = await CollectorCli.RunCollectorAsync(
            "profile", "--pid", target.Process.Pid.ToString(), "--duration", "3s", "--output", output);
        Assert.True(exit == 0, stderr);
        Assert.Contains(output, stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(output));

        var raw = await GoPprof.RawFileAsync(output);
        Assert.Contains("cpu-time/nanoseconds wall-time/nanoseconds alloc-samples/count alloc-size/bytes inuse-space/bytes", raw, StringComparison.Ordinal);
        Assert.Contains("Flamewatch.TestKit.TargetApp.Workloads.HotA", raw, StringComparison.Ordinal);
        Assert.Contains("thread name:[HotLoop]", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_writes_one_file_per_period_into_a_directory()
    {
        var (exit, stdout, stderr) = await CollectorCli.RunCollectorAsync(
            "profile", "--pid", target.Process.Pid.ToString(), "--duration", "4500ms", "--period", "2s", "--output", _directory + "/");
        Assert.True(exit == 0, stderr);
        var files = Directory.GetFiles(_directory, "*.pb.gz");
        Assert.InRange(files.Length, 2, 3);
        Assert.Equal(files.Order(), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public async Task A_bad_pid_gives_a_clear_error()
    {
        var (exit, _, stderr) = await CollectorCli.RunCollectorAsync("profile", "--pid", "2147483000", "--output", _directory);
        Assert.Equal(2, exit);
        Assert.Contains("No process with PID 2147483000", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_dotnet_process_gives_a_clear_error()
    {
        using var sleep = Process.Start("sleep", "60");
        try
        {
            var (exit, _, stderr) = await CollectorCli.RunCollectorAsync("profile", "--pid", sleep.Id.ToString(), "--output", _directory);
            Assert.Equal(2, exit);
            Assert.Contains("is not a .NET process", stderr, StringComparison.Ordinal);
        }
        finally
        {
            sleep.Kill();
        }
    }

    [Fact]
    public async Task A_collector_without_rights_on_the_process_gives_a_permission_error()
    {
        // Run as root, the collector is started as "nobody" against a target owned by root.
        Assert.True(geteuid() == 0, "this test needs root to start the collector as another user");
        var (exit, _, stderr) = await CollectorCli.RunAsync("setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", "dotnet", CollectorCli.CollectorPath,
             "profile", "--pid", target.Process.Pid.ToString(), "--duration", "2s", "--output", "/tmp/flamewatch-nobody-unused/"]);
        Assert.Equal(2, exit);
        Assert.Contains("Permission denied", stderr, StringComparison.Ordinal);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    [Theory]
    [InlineData("--duration", "soon", "not a duration")]
    [InlineData("--frequency", "5000", "between 1 and 1000")]
    [InlineData("--profile-types", "cpu,heap", "unknown type 'heap'")]
    [InlineData("--profile-types", "exceptions,default", "unknown type 'default'")]
    [InlineData("--upload-timeout", "2h", "--upload-timeout must be at most 10m")]
    public async Task Bad_options_give_a_usage_error(string option, string value, string message)
    {
        var (exit, _, stderr) = await CollectorCli.RunCollectorAsync("profile", "--pid", "1", option, value, "--output", _directory);
        // A configuration error, as for every Flamewatch executable: one line, exit code 2.
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

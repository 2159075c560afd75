using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Os;

namespace Flamewatch.Profiling.Tests.Unit;

/// <summary>
/// The socket lookup on a procfs-shaped tree. The tree's own directories play the container's root; a directory outside
/// the tree plays the host, holding a file named exactly as the container's socket would be, which a lookup that
/// follows a link out of the container would pick.
/// </summary>
public sealed class DiagnosticSocketLocatorTests : IDisposable
{
    private const int Pid = 100;
    private const ulong StartTime = 1000;
    private const string CoreClr = "7f00-7f01 r-xp 0 08:01 42 /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so\n";

    private readonly FakeProcTree _tree = new();
    private readonly DirectoryInfo _host = Directory.CreateTempSubdirectory("fw-host-");
    private readonly ProcFs _procFs;

    public DiagnosticSocketLocatorTests() => _procFs = new ProcFs(_tree.Root);

    public void Dispose()
    {
        _tree.Dispose();
        _host.Delete(recursive: true);
    }

    [Fact]
    public void Finds_the_socket_of_this_exact_process()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n", namespacePid: 7);
        var socket = _tree.AddSocket(Pid, StartTime, namespacePid: 7);

        var lookup = DiagnosticSocketLocator.Locate(_procFs, Pid, StartTime);

        Assert.Null(lookup.Failure);
        Assert.Equal(new DiagnosticEndpoint(Pid, StartTime, 7, socket), lookup.Endpoint);
    }

    [Fact]
    public void An_absolute_link_in_TMPDIR_resolves_inside_the_process_root()
    {
        // /tmp -> /var/tmp inside the container; resolved by the kernel from here, it would lead to the host's /var/tmp.
        _tree.AddProcess(Pid, StartTime, "0::/\n");
        ReplaceWithLink(Path.Combine(_tree.ProcessRoot(Pid), "tmp"), "/var/tmp");
        var socket = _tree.AddSocket(Pid, StartTime, "/var/tmp");

        Assert.Equal(socket, DiagnosticSocketLocator.Locate(_procFs, Pid).Endpoint?.SocketPath);
    }

    [Fact]
    public void A_TMPDIR_that_links_to_a_host_directory_is_looked_for_inside_the_container()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n", new Dictionary<string, string> { ["TMPDIR"] = "/scratch" }, maps: CoreClr);
        var link = Path.Combine(_tree.ProcessRoot(Pid), "scratch");
        Directory.CreateSymbolicLink(link, _host.FullName);
        var bait = HostSocket();

        var lookup = DiagnosticSocketLocator.Locate(_procFs, Pid);

        Assert.True(File.Exists(Path.Combine(link, Path.GetFileName(bait))), "followed from here, the link leads to the bait");
        Assert.Null(lookup.Endpoint);
        Assert.Equal(AttachOutcome.NoDiagnosticSocket, lookup.Failure);
        Assert.Contains("no dotnet-diagnostic-1-*-socket in /scratch", lookup.Message);
    }

    [Fact]
    public void A_relative_link_that_climbs_out_of_the_root_is_refused()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n", maps: CoreClr);
        ReplaceWithLink(Path.Combine(_tree.ProcessRoot(Pid), "tmp"), string.Concat(Enumerable.Repeat("../", 40)) + _host.FullName.TrimStart('/'));
        HostSocket();

        var lookup = DiagnosticSocketLocator.Locate(_procFs, Pid);

        Assert.Null(lookup.Endpoint);
        Assert.Equal(AttachOutcome.NoDiagnosticSocket, lookup.Failure);
        Assert.Contains("does not resolve inside its root", lookup.Message);
    }

    [Fact]
    public void A_socket_that_links_to_the_host_is_never_taken()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n");
        File.CreateSymbolicLink(_tree.SocketPath(Pid, StartTime), HostSocket());
        File.CreateSymbolicLink(_tree.SocketPath(Pid, StartTime + 1), HostSocket());

        var lookup = DiagnosticSocketLocator.Locate(_procFs, Pid);

        Assert.Null(lookup.Endpoint);
        Assert.Equal(AttachOutcome.NotDotNet, lookup.Failure);
    }

    [Theory]
    [InlineData("/tmp", "/tmp")]
    [InlineData("/../../../etc", "/etc")]
    [InlineData("/a/./b/../c", "/a/c")]
    [InlineData("/", "")]
    public void Paths_never_climb_above_the_process_root(string path, string expectedBelowRoot) =>
        Assert.Equal("/proc/1/root" + expectedBelowRoot, DiagnosticSocketLocator.ResolveInRoot("/proc/1/root", path));

    [Fact]
    public void A_symbolic_link_loop_resolves_to_nothing()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n");
        var root = _tree.ProcessRoot(Pid);
        Directory.CreateSymbolicLink(Path.Combine(root, "loop"), "/loop");

        Assert.Null(DiagnosticSocketLocator.ResolveInRoot(root, "/loop/tmp"));
    }

    [Fact]
    public void Without_the_exact_socket_the_newest_of_the_namespace_PID_is_taken_not_the_last_by_name()
    {
        // Under a time namespace the runtime's start time differs from the host's view of field 22.
        _tree.AddProcess(Pid, StartTime, "0::/\n", namespacePid: 7);
        var newest = _tree.AddSocket(Pid, 987, namespacePid: 7);
        var older = _tree.AddSocket(Pid, 99999, namespacePid: 7);
        File.SetLastWriteTimeUtc(older, DateTime.UtcNow.AddMinutes(-5));
        _tree.AddSocket(Pid, 555, namespacePid: 8);

        var lookup = DiagnosticSocketLocator.Locate(_procFs, Pid);

        Assert.Equal((7, newest), (lookup.NamespacePid, lookup.Endpoint?.SocketPath));
    }

    [Fact]
    public void A_process_without_a_socket_is_classified()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n");
        _tree.AddProcess(Pid + 1, StartTime, "0::/\n", maps: CoreClr);
        _tree.AddProcess(Pid + 2, StartTime, "0::/\n", new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" }, maps: CoreClr);

        var plain = DiagnosticSocketLocator.Locate(_procFs, Pid);
        var starting = DiagnosticSocketLocator.Locate(_procFs, Pid + 1);
        var disabled = DiagnosticSocketLocator.Locate(_procFs, Pid + 2);

        Assert.Equal(AttachOutcome.NotDotNet, plain.Failure);
        Assert.Contains("dotnet-diagnostic-1-*-socket in /tmp", plain.Message);
        Assert.Equal(AttachOutcome.NoDiagnosticSocket, starting.Failure);
        Assert.Equal(AttachOutcome.DiagnosticsDisabled, disabled.Failure);
        Assert.Contains("DOTNET_EnableDiagnostics=0", disabled.Message);
    }

    [Fact]
    public void A_missing_process_is_not_found_and_a_reused_PID_has_exited()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n");
        _tree.AddSocket(Pid, StartTime);

        Assert.Equal(AttachOutcome.ProcessNotFound, DiagnosticSocketLocator.Locate(_procFs, Pid + 1).Failure);
        Assert.Equal(AttachOutcome.ProcessExited, DiagnosticSocketLocator.Locate(_procFs, Pid + 1, StartTime).Failure);
        Assert.Equal(AttachOutcome.ProcessExited, DiagnosticSocketLocator.Locate(_procFs, Pid, StartTime - 1).Failure);
    }

    [Theory]
    [InlineData(null, "/tmp")]
    [InlineData("", "/tmp")]
    [InlineData("  ", "/tmp")]
    [InlineData("/scratch", "/scratch")]
    [InlineData("/scratch/", "/scratch/")]
    [InlineData("relative", "/relative")]
    public void TMPDIR_defaults_to_tmp(string? value, string expected)
    {
        var environment = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["TMPDIR"] = value };

        Assert.Equal(expected, DiagnosticSocketLocator.TempDirectoryOf(environment));
    }

    /// <summary>A file on the "host" named exactly as the container's socket would be.</summary>
    private string HostSocket()
    {
        var path = Path.Combine(_host.FullName, DiagnosticSocketLocator.SocketName(1, StartTime));
        File.WriteAllText(path, string.Empty);
        return path;
    }

    private static void ReplaceWithLink(string directory, string target)
    {
        Directory.Delete(directory, recursive: true);
        Directory.CreateSymbolicLink(directory, target);
    }
}

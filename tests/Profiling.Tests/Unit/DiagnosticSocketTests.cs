using System.Net.Sockets;
using Flamewatch.Profiling.Attach;

namespace Flamewatch.Profiling.Tests.Unit;

/// <summary>
/// Opening a target's socket for connecting, on a procfs-shaped tree whose process root plays the container's. The
/// container puts its socket in <c>/tmp/app</c>; a directory outside the tree plays the host, with a socket of the same
/// name, which a connection by path through a swapped <c>/tmp/app</c> reaches.
/// </summary>
public sealed class DiagnosticSocketTests : IDisposable
{
    private const int Pid = 100;
    private const ulong StartTime = 1000;

    private readonly FakeProcTree _tree = new();
    private readonly DirectoryInfo _host = Directory.CreateTempSubdirectory("fw-host-");
    private readonly string _path;
    private readonly Socket _container;
    private readonly Socket _hostSocket;

    public DiagnosticSocketTests()
    {
        _tree.AddProcess(Pid, StartTime, "0::/\n", new Dictionary<string, string> { ["TMPDIR"] = "/tmp/app" });
        _path = _tree.SocketPath(Pid, StartTime, "/tmp/app");
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _container = Listen(_path);
        _hostSocket = Listen(Path.Combine(_host.FullName, Path.GetFileName(_path)));
    }

    private string Root => _tree.ProcessRoot(Pid);

    public void Dispose()
    {
        _container.Dispose();
        _hostSocket.Dispose();
        _tree.Dispose();
        _host.Delete(recursive: true);
    }

    [Fact]
    public void A_socket_opened_before_its_directory_is_swapped_for_a_link_to_the_host_is_the_one_every_connection_reaches()
    {
        using var socket = DiagnosticSocket.Open(Root, _path);
        SwapAppDirectoryFor(_host.FullName);

        Connect(socket.Address);
        Connect(socket.Address);

        Assert.Null(socket.ByPathReason);
        Assert.Equal(2, Accepted(_container));
        Assert.Equal(0, Accepted(_hostSocket));
        Connect(_path); // the bait works: by path, the swapped directory leads to the host
        Assert.Equal(1, Accepted(_hostSocket));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void A_directory_swapped_for_a_link_to_the_host_before_opening_is_refused(bool kernelResolution, bool climbing)
    {
        SwapAppDirectoryFor(climbing ? string.Concat(Enumerable.Repeat("../", 40)) + _host.FullName.TrimStart('/') : _host.FullName);

        Assert.Throws<IOException>(() => DiagnosticSocket.Open(Root, _path, kernelResolution));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_link_in_place_of_the_socket_is_refused(bool kernelResolution)
    {
        File.Move(_path, _path + ".moved");
        File.CreateSymbolicLink(_path, Path.Combine(_host.FullName, Path.GetFileName(_path)));

        var refused = Assert.Throws<IOException>(() => DiagnosticSocket.Open(Root, _path, kernelResolution));

        Assert.Contains("symbolic link", refused.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_file_that_is_not_a_socket_is_refused(bool kernelResolution)
    {
        var file = _tree.AddSocket(Pid, StartTime + 1, "/tmp/app");

        var refused = Assert.Throws<IOException>(() => DiagnosticSocket.Open(Root, file, kernelResolution));

        Assert.Contains("is not a socket", refused.Message);
    }

    [Fact]
    public void Without_openat2_the_socket_is_reached_by_its_path_and_says_why()
    {
        using var socket = DiagnosticSocket.Open(Root, _path, kernelResolution: false);

        Connect(socket.Address);

        Assert.Equal((_path, "openat2 is not used"), (socket.Address, socket.ByPathReason));
        Assert.Equal(1, Accepted(_container));
    }

    [Fact]
    public void A_held_socket_stays_reachable_after_its_owner_disposes_it()
    {
        var socket = DiagnosticSocket.Open(Root, _path);
        using (socket.Hold())
        {
            socket.Dispose();

            Connect(socket.Address);
        }

        Assert.Equal(1, Accepted(_container));
        Assert.Throws<ObjectDisposedException>(socket.Hold);
    }

    [Fact]
    public void A_path_outside_the_process_root_is_refused() =>
        Assert.Throws<IOException>(() => DiagnosticSocket.Open(Root, Path.Combine(_host.FullName, Path.GetFileName(_path))));

    /// <summary>The container moves its socket's directory aside (the socket keeps listening) and puts a link in its place.</summary>
    private void SwapAppDirectoryFor(string linkTarget)
    {
        var directory = Path.GetDirectoryName(_path)!;
        Directory.Move(directory, directory + ".moved");
        Directory.CreateSymbolicLink(directory, linkTarget);
    }

    private static Socket Listen(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        return listener;
    }

    private static void Connect(string path)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
    }

    /// <summary>The connections waiting on a listener (a Unix connection is queued once connect returns), taken.</summary>
    private static int Accepted(Socket listener)
    {
        var count = 0;
        while (listener.Poll(0, SelectMode.SelectRead))
        {
            listener.Accept().Dispose();
            count++;
        }

        return count;
    }
}

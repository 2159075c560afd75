using System.Net.Sockets;

namespace Flamewatch.NodeCollector.Tests.KubernetesMode;

/// <summary>
/// A fake diagnostic socket in a container's private /tmp (reached through <c>/proc/&lt;pid&gt;/root</c>), named as the
/// runtime of the container's PID 1 would name it. It accepts connections, counts them and never answers: to discovery
/// it looks like a .NET runtime, to a client like a hung one.
/// </summary>
internal sealed class Honeypot : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _connections;

    public Honeypot(int hostPid, string tempDirectory = "/tmp")
    {
        Path = $"/proc/{hostPid}/root{tempDirectory}/dotnet-diagnostic-1-1-socket";
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(16);
        _ = AcceptLoopAsync();
    }

    public string Path { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Dispose();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var socket = await _listener.AcceptAsync(_stopping.Token);
                Interlocked.Increment(ref _connections);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}

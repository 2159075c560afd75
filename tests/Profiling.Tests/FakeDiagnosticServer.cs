using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Flamewatch.Profiling.Tests;

/// <summary>
/// A stand-in for a .NET runtime's diagnostic server, so that the profiler's real attach and parsing path reads an
/// EventPipe stream the test controls. The placeholder is a real .NET process (the target app, idle) started with
/// its own TMPDIR; its diagnostic socket file is then replaced by this server's, so that a client connecting by
/// path reaches the fake while the runtime keeps its (now unreachable) listener. It answers the process-environment command, and answers every CollectTracing
/// command by streaming <see cref="Stream"/> bytes (a real recording, truncated or corrupted by the test) before
/// closing the connection. Protocol: the diagnostics IPC header <c>DOTNET_IPC_V1\0</c>, uint16 size, command set,
/// command id, reserved uint16.
/// </summary>
internal sealed class FakeDiagnosticServer : IAsyncDisposable
{
    private static readonly byte[] Magic = "DOTNET_IPC_V1\0"u8.ToArray();
    private readonly TargetProcess _placeholder;
    private readonly string _placeholderTemp;
    private readonly Socket _listener;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly byte[] _stream;
    private readonly string? _runtimeVersion;

    private FakeDiagnosticServer(TargetProcess placeholder, string placeholderTemp, byte[] stream, string? runtimeVersion)
    {
        _placeholder = placeholder;
        _placeholderTemp = placeholderTemp;
        _stream = stream;
        _runtimeVersion = runtimeVersion;
        _path = Directory.GetFiles(placeholderTemp, $"dotnet-diagnostic-{placeholder.Pid}-*-socket").Single();
        File.Delete(_path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(8);
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The placeholder's process id: what a session is told to profile.</summary>
    public int Pid => _placeholder.Pid;

    public int TracingRequests { get; private set; }

    /// <param name="runtimeVersion">What the process-info command answers as the runtime's version; null: the command is unknown.</param>
    public static async Task<FakeDiagnosticServer> StartAsync(byte[] stream, string? runtimeVersion = null)
    {
        var temp = Directory.CreateTempSubdirectory("flamewatch-placeholder-").FullName;
        var placeholder = await TargetProcess.StartAsync(new Dictionary<string, string> { ["TMPDIR"] = temp }, "sleep");
        for (var i = 0; i < 100 && Directory.GetFiles(temp, "dotnet-diagnostic-*-socket").Length == 0; i++)
        {
            await Task.Delay(100);
        }
        return new FakeDiagnosticServer(placeholder, temp, stream, runtimeVersion);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        File.Delete(_path);
        _placeholder.Dispose();
        Directory.Delete(_placeholderTemp, recursive: true);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var connection = await _listener.AcceptAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using var _ = connection;
        await using var stream = new NetworkStream(connection, ownsSocket: false);
        try
        {
            var header = new byte[20];
            await stream.ReadExactlyAsync(header, _stop.Token);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(14));
            var payload = new byte[Math.Max(0, size - 20)];
            await stream.ReadExactlyAsync(payload, _stop.Token);
            var (commandSet, commandId) = (header[16], header[17]);
            switch (commandSet, commandId)
            {
                case (0x04, 0x02):
                    // Process environment: OK with the continuation's size, then the strings.
                    var environment = Environment(["DOTNET_EventPipeThreadSamplingRate=A", "TMPDIR=/tmp"]);
                    await stream.WriteAsync(Ok([.. LittleEndian((uint)environment.Length), 0, 0]), _stop.Token);
                    await stream.WriteAsync(environment, _stop.Token);
                    break;
                case (0x04, 0x04) when _runtimeVersion is not null:
                    // ProcessInfo2: pid, runtime cookie, command line, OS, architecture, entry assembly, runtime version.
                    await stream.WriteAsync(Ok(ProcessInfo(_runtimeVersion, version3: false)), _stop.Token);
                    break;
                case (0x04, 0x08) when _runtimeVersion is not null:
                    // ProcessInfo3: a payload version, the ProcessInfo2 fields, the portable runtime identifier.
                    await stream.WriteAsync(Ok(ProcessInfo(_runtimeVersion, version3: true)), _stop.Token);
                    break;
                case (0x02, 0x01):
                    // StopTracing: echo the session id.
                    await stream.WriteAsync(Ok(payload.Length >= 8 ? payload[..8] : new byte[8]), _stop.Token);
                    break;
                case (0x02, _):
                    // CollectTracing (any version): a session id, then the recorded stream as given, then the end.
                    TracingRequests++;
                    await stream.WriteAsync(Ok(LittleEndian(1UL)), _stop.Token);
                    await stream.WriteAsync(_stream, _stop.Token);
                    await Task.Delay(200, _stop.Token);
                    break;
                default:
                    // Unknown command: an error carrying E_NOTIMPL.
                    await stream.WriteAsync(Message(0xFF, 0xFF, LittleEndian(0x80004001u)), _stop.Token);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or EndOfStreamException)
        {
        }
    }

    private static byte[] Ok(byte[] payload) => Message(0xFF, 0x00, payload);

    private static byte[] Message(byte commandSet, byte commandId, byte[] payload)
    {
        var message = new byte[20 + payload.Length];
        Magic.CopyTo(message, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(14), (ushort)message.Length);
        message[16] = commandSet;
        message[17] = commandId;
        payload.CopyTo(message, 20);
        return message;
    }

    private byte[] ProcessInfo(string runtimeVersion, bool version3)
    {
        using var output = new MemoryStream();
        if (version3)
        {
            output.Write(LittleEndian(0u));
        }
        output.Write(LittleEndian((ulong)Pid));
        output.Write(Guid.NewGuid().ToByteArray());
        string[] texts = version3 ? ["app", "Linux", "x64", "app", runtimeVersion, "linux-x64"] : ["app", "Linux", "x64", "app", runtimeVersion];
        foreach (var text in texts)
        {
            output.Write(LittleEndian((uint)(text.Length + 1)));
            output.Write(Encoding.Unicode.GetBytes(text + "\0"));
        }
        return output.ToArray();
    }

    private static byte[] Environment(string[] variables)
    {
        using var output = new MemoryStream();
        output.Write(LittleEndian((uint)variables.Length));
        foreach (var variable in variables)
        {
            output.Write(LittleEndian((uint)(variable.Length + 1)));
            output.Write(Encoding.Unicode.GetBytes(variable + "\0"));
        }
        return output.ToArray();
    }

    private static byte[] LittleEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] LittleEndian(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}

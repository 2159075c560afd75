using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flamewatch.Agent.Tests.Fuzz;

/// <summary>What the agent did with one request.</summary>
internal readonly record struct Outcome(int Status, string Detail)
{
    public const int NoResponse = -1;
    public const int TimedOut = -2;

    public bool IsServerError => Status is >= 500 or NoResponse or TimedOut;

    public override string ToString() => Status switch
    {
        NoResponse => "connection closed without a response: " + Detail,
        TimedOut => "no response within the timeout",
        _ => $"{Status} {Detail}",
    };
}

/// <summary>Sends raw HTTP/1.1 bytes over one loopback connection and reads the status line of the answer.</summary>
internal static class RawHttp
{
    public static async Task<Outcome> SendAsync(IPEndPoint endPoint, byte[] request, bool halfClose, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, cts.Token);
        // The server may answer (and close) before it has read the whole body: keep sending in the background.
        var sending = Task.Run(async () =>
        {
            try
            {
                for (var offset = 0; offset < request.Length;)
                {
                    offset += await socket.SendAsync(request.AsMemory(offset, Math.Min(64 * 1024, request.Length - offset)), SocketFlags.None, cts.Token);
                }
                if (halfClose)
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }, CancellationToken.None);

        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        string? error = null;
        try
        {
            while (received.Length < 64 * 1024)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    break;
                }
                received.Write(buffer, 0, read);
                if (HasHead(received))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(Outcome.TimedOut, "");
        }
        catch (SocketException ex)
        {
            error = ex.SocketErrorCode.ToString();
        }
        finally
        {
            await cts.CancelAsync();
            socket.Close();
            await sending;
        }

        var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        if (text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && text.Length >= 12 && int.TryParse(text.AsSpan(9, 3), out var status))
        {
            var body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and >= 0 ? text[(end + 4)..] : "";
            return new Outcome(status, body.Length > 300 ? body[..300] : body);
        }
        return new Outcome(Outcome.NoResponse, error ?? $"{received.Length} bytes received");
    }

    /// <summary>True once the status line, headers and the start of an error body (if any) have arrived.</summary>
    private static bool HasHead(MemoryStream received)
    {
        var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end >= 0 && (text.Contains("Content-Length: 0", StringComparison.OrdinalIgnoreCase) || text.Length > end + 4);
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Flamewatch.Agent.Tests.Fuzz;

/// <summary>
/// One HTTP/1.1 request as bytes on the wire. <see cref="Headers"/> are written as given (the generator may
/// lie in them); a <c>Content-Length</c> matching the body is added unless a header already sets the framing.
/// With <see cref="HalfClose"/> the client shuts its sending side after the request, as a client that dies
/// mid-upload does; such a request may legitimately get no answer.
/// </summary>
internal sealed record FuzzRequest(string Kind, string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, bool HalfClose = false)
{
    public byte[] ToBytes()
    {
        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target).Append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        var framed = false;
        foreach (var (name, value) in Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
            framed |= name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);
        }
        if (!framed)
        {
            head.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        }
        head.Append("\r\n");
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. Body];
    }

    /// <summary>A stable name for the corpus: kind and a hash of the bytes.</summary>
    public string FileName() =>
        $"{Kind}-{Convert.ToHexStringLower(SHA256.HashData(ToBytes()))[..12]}{(HalfClose ? ".halfclose" : "")}.http";

    /// <summary>Reads a corpus file back: the raw request is replayed byte for byte.</summary>
    public static RawCase Load(string path) => new(Path.GetFileName(path), File.ReadAllBytes(path), path.EndsWith(".halfclose.http", StringComparison.Ordinal));
}

/// <summary>A request as raw bytes (a corpus entry).</summary>
internal sealed record RawCase(string Name, byte[] Bytes, bool HalfClose);

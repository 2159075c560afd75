using System.Text.Json;

namespace Flamewatch.Kubernetes.Rest;

/// <summary>
/// Splits a stream of concatenated JSON values (a watch body) into whole values without relying on newlines,
/// as client-go's streaming decoder does.
/// </summary>
internal sealed class JsonValueStreamReader(Stream stream)
{
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next complete value (valid until the next call), or null at a clean end of stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadNextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var length = FindValue();
            if (length > 0)
            {
                var value = _buffer.AsMemory(_start, length);
                _start += length;
                return value;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_buffer.AsSpan(_start, _end - _start).Trim(" \t\r\n"u8).Length > 0)
                {
                    throw new JsonException("watch stream ended inside a JSON value");
                }

                return null;
            }

            _end += read;
        }
    }

    private int FindValue()
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), isFinalBlock: false, default);
        if (!reader.Read())
        {
            return 0;
        }

        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
        {
            return 0;
        }

        return (int)reader.BytesConsumed;
    }
}

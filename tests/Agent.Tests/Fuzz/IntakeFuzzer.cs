using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Flamewatch.Agent.Intake.Push;
using Google.Protobuf;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace Flamewatch.Agent.Tests.Fuzz;

/// <summary>
/// A seeded generator of hostile requests to the agent's write paths. Each case starts from a well-formed
/// upload and breaks one or more layers: HTTP framing, content type, multipart structure, event JSON, tags,
/// pprof bytes, compression, Pyroscope query parameters. The same seed gives the same cases.
/// </summary>
internal sealed class IntakeFuzzer
{
    public const string IntakePath = "/profiling/v1/input";

    private static readonly string[] Types = ["cpu-time/nanoseconds", "wall-time/nanoseconds", "alloc-samples/count"];

    private static readonly string[] HostileNames =
    [
        "../../etc", "..\\..\\windows", "/etc/passwd", "bad\0name", "a/../../b", "%2e%2e%2f", "CON", "profiles.db",
        "\u202Eevil", "\uD800", "name\r\nX-Injected: 1", "' OR 1=1 --", "\"; DROP TABLE profiles; --", "", " ", "\t",
        "💥", "a:b", "a,b", "{}", "app{env=prod}", "\u0001", "\uFFFF",
    ];

    private readonly Random _random;
    private readonly byte[] _bomb;
    private readonly long _maxBodyBytes;

    public IntakeFuzzer(int seed, byte[] bomb, long maxBodyBytes)
    {
        _random = new Random(seed);
        _bomb = bomb;
        _maxBodyBytes = maxBodyBytes;
    }

    /// <summary>Gzip of <paramref name="inflatedBytes"/> zeros: a small attachment that inflates past the agent's limit.</summary>
    public static byte[] Bomb(long inflatedBytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (long written = 0; written < inflatedBytes; written += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }
        return output.ToArray();
    }

    /// <summary>zstd of 64 MiB of zeros (a few kB), with its content size in the header.</summary>
    private static readonly Lazy<byte[]> ZstdBomb = new(() => Zstd(new byte[64 * 1024 * 1024]));

    /// <summary>lz4 frame of 64 MiB of zeros (about 256 kB).</summary>
    private static readonly Lazy<byte[]> Lz4Bomb = new(() => Lz4(new byte[64 * 1024 * 1024]));

    public static byte[] Zstd(byte[] data, int level = 3)
    {
        using var compressor = new Compressor(level);
        return compressor.Wrap(data).ToArray();
    }

    /// <summary>An lz4 frame with a content checksum; <paramref name="chained"/>: blocks refer to earlier ones.</summary>
    public static byte[] Lz4(byte[] data, bool chained = false)
    {
        using var output = new MemoryStream();
        using (var lz4 = LZ4Stream.Encode(output, new LZ4EncoderSettings { ChainBlocks = chained, ContentChecksum = true }, leaveOpen: true))
        {
            lz4.Write(data);
        }
        return output.ToArray();
    }

    public FuzzRequest Next() => _random.Next(100) switch
    {
        < 14 => BytesOfMultipart(),
        < 30 => BrokenPprof(),
        < 44 => LyingEvent(),
        < 54 => Labels(),
        < 62 => ContentTypes(),
        < 72 => Framing(),
        < 80 => Pyroscope(),
        < 88 => Push(),
        < 92 => MultipartStructure(),
        < 95 => MethodsAndPaths(),
        < 99 => Headers(),
        _ => Oversized(),
    };

    // ----- well-formed building blocks -----

    private byte[] ValidPprof(bool gzip = true, int? depth = null)
    {
        var samples = new (string[] Stack, long[] Values)[_random.Next(1, 6)];
        for (var i = 0; i < samples.Length; i++)
        {
            var stack = new string[depth ?? _random.Next(1, 12)];
            for (var f = 0; f < stack.Length; f++)
            {
                stack[f] = $"Fuzz.Type{_random.Next(20)}.Method{_random.Next(50)}";
            }
            samples[i] = (stack, [_random.Next(1, 1000), _random.Next(1, 1000), _random.Next(1, 10)]);
        }
        var profile = Pprofs.Create(Types, samples);
        return gzip ? Pprofs.Gzip(profile) : profile.ToByteArray();
    }

    private string Boundary() => "fz" + _random.NextInt64().ToString("x", CultureInfo.InvariantCulture);

    private static Dictionary<string, object?> Event(string tags, params string[] attachments) => new()
    {
        ["attachments"] = attachments,
        ["start"] = "2026-11-21T07:00:00.000Z",
        ["end"] = "2026-11-21T07:00:45.000Z",
        ["family"] = "dotnet",
        ["version"] = "4",
        ["tags_profiler"] = tags,
    };

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static byte[] Multipart(string boundary, params (string Name, byte[] Content)[] parts) =>
        Uploads.Body(boundary, [.. parts.Select(p => ((string?)p.Name, p.Name == "event" ? "application/json" : "application/octet-stream", p.Content))]);

    private FuzzRequest Intake(string kind, string boundary, byte[] body, bool halfClose = false) =>
        new(kind, "POST", IntakePath, [new("Content-Type", $"multipart/form-data; boundary={boundary}")], body, halfClose);

    private FuzzRequest ValidUpload(string kind, string service = "fuzz")
    {
        var boundary = Boundary();
        return Intake(kind, boundary, Multipart(boundary, ("event", Json(Event($"service:{service}", "auto.pprof"))), ("auto.pprof", ValidPprof())));
    }

    // ----- mutation helpers -----

    private byte[] Mutate(byte[] data, int rounds)
    {
        var bytes = new List<byte>(data);
        for (var r = 0; r < rounds && bytes.Count > 0; r++)
        {
            var at = _random.Next(bytes.Count);
            switch (_random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)_random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, _random.Next(1, 64)));
                    break;
                case 3:
                    bytes.InsertRange(at, RandomBytes(_random.Next(1, 32)));
                    break;
                case 4:
                    var length = Math.Min(bytes.Count - at, _random.Next(1, 256));
                    bytes.InsertRange(_random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }
        return [.. bytes];
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string RandomText(int length, bool hostile)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = hostile && _random.Next(10) == 0 ? (char)_random.Next(0, 0x10000) : (char)_random.Next('a', 'z' + 1);
        }
        return new string(chars);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    // ----- case families -----

    private FuzzRequest BytesOfMultipart()
    {
        var valid = ValidUpload("multipart-bytes");
        return valid with { Body = Mutate(valid.Body, _random.Next(1, 6)) };
    }

    private FuzzRequest BrokenPprof()
    {
        var pprof = ValidPprof(gzip: _random.Next(2) == 0);
        var raw = ValidPprof(gzip: false);
        byte[] attachment;
        string kind;
        switch (_random.Next(24))
        {
            case 0: (kind, attachment) = ("pprof-truncated", pprof[..Math.Max(1, _random.Next(pprof.Length))]); break;
            case 1: (kind, attachment) = ("pprof-bitflips", Mutate(pprof, _random.Next(1, 10))); break;
            case 2: (kind, attachment) = ("pprof-garbage", RandomBytes(_random.Next(1, 4096))); break;
            case 3: (kind, attachment) = ("pprof-gzip-garbage", GzipBytes(RandomBytes(_random.Next(1, 4096)))); break;
            case 4: (kind, attachment) = ("pprof-gzip-truncated", GzipBytes(raw)[..Math.Max(2, _random.Next(10, 40))]); break;
            case 5: (kind, attachment) = ("pprof-zstd-garbage", [0x28, 0xb5, 0x2f, 0xfd, .. RandomBytes(64)]); break;
            case 6: (kind, attachment) = ("pprof-gzip-bomb", _bomb); break;
            case 7: (kind, attachment) = ("pprof-varint-overflow", [0x0a, .. Enumerable.Repeat((byte)0xff, _random.Next(5, 20)), 0x01]); break;
            case 8: (kind, attachment) = ("pprof-huge-length", [0x32, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x41]); break;
            case 9: (kind, attachment) = ("pprof-deep-stack", ValidPprof(depth: _random.Next(500, 5000))); break;
            case 10: (kind, attachment) = ("pprof-gzip-of-gzip", GzipBytes(GzipBytes(raw))); break;
            case 11: (kind, attachment) = ("pprof-empty", []); break;
            case 12: (kind, attachment) = ("pprof-structural", StructuralPprof()); break;
            case 13: (kind, attachment) = ("pprof-zstd-truncated", Zstd(raw)[..Math.Max(4, _random.Next(4, 40))]); break;
            case 14: (kind, attachment) = ("pprof-zstd-bitflips", [.. Zstd(raw)[..4], .. Mutate(Zstd(raw)[4..], _random.Next(1, 6))]); break;
            case 15: (kind, attachment) = ("pprof-zstd-bomb", ZstdBomb.Value); break;
            case 16: (kind, attachment) = ("pprof-zstd-of-garbage", Zstd(RandomBytes(_random.Next(1, 4096)))); break;
            // Frame header descriptor with window descriptors from tiny to 2^41 and random content.
            case 17: (kind, attachment) = ("pprof-zstd-window", [0x28, 0xb5, 0x2f, 0xfd, 0x00, (byte)_random.Next(256), .. RandomBytes(_random.Next(0, 512))]); break;
            case 18: (kind, attachment) = ("pprof-lz4-truncated", Lz4(raw)[..Math.Max(4, _random.Next(4, 40))]); break;
            case 19: (kind, attachment) = ("pprof-lz4-bitflips", [.. Lz4(raw, chained: _random.Next(2) == 0)[..4], .. Mutate(Lz4(raw)[4..], _random.Next(1, 6))]); break;
            case 20: (kind, attachment) = ("pprof-lz4-bomb", Lz4Bomb.Value); break;
            case 21: (kind, attachment) = ("pprof-lz4-garbage", [0x04, 0x22, 0x4d, 0x18, .. RandomBytes(_random.Next(0, 512))]); break;
            case 22: (kind, attachment) = ("pprof-compressed-valid", _random.Next(2) == 0 ? Zstd(raw, _random.Next(1, 20)) : Lz4(raw, chained: _random.Next(2) == 0)); break;
            default: (kind, attachment) = ("pprof-mutated-raw", Mutate(raw, _random.Next(1, 4))); break;
        }
        var boundary = Boundary();
        return Intake(kind, boundary, Multipart(boundary, ("event", Json(Event("service:fuzz", "a.pprof"))), ("a.pprof", attachment)));
    }

    private byte[] StructuralPprof()
    {
        var profile = Pprofs.Create(Types, (["main", "Run", "Leaf"], [1, 2, 3]), (["main", "Other"], [4, 5, 6]));
        switch (_random.Next(8))
        {
            case 0: profile.Sample[0].Value.Add(7); break;
            case 1: profile.Location[0].Line[0].FunctionId = 999; break;
            case 2: profile.Function[0].Name = 10_000; break;
            case 3: profile.Sample[0].LocationId.Add(12345); break;
            case 4: profile.SampleType[0].Type = -1; break;
            case 5: profile.StringTable[0] = "not empty"; break;
            case 6: profile.Sample[1].Value[0] = long.MinValue; break;
            default:
                for (var i = 0; i < 20_000; i++)
                {
                    profile.StringTable.Add(RandomText(50, hostile: true));
                }
                break;
        }
        return _random.Next(2) == 0 ? Pprofs.Gzip(profile) : profile.ToByteArray();
    }

    private static byte[] GzipBytes(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    private FuzzRequest LyingEvent()
    {
        var ev = Event("service:fuzz", "a.pprof");
        byte[]? json = null;
        string kind;
        switch (_random.Next(16))
        {
            case 0: kind = "event-not-json"; json = Mutate(Json(ev), _random.Next(1, 4)); break;
            case 1: kind = "event-array"; json = "[1,2,3]"u8.ToArray(); break;
            case 2: kind = "event-attachments-not-strings"; ev["attachments"] = new object[] { 1, null!, true }; break;
            case 3: kind = "event-attachments-missing-part"; ev["attachments"] = new[] { "a.pprof", "b.pprof" }; break;
            case 4: kind = "event-no-start"; ev.Remove("start"); break;
            case 5: kind = "event-time-types"; ev["end"] = _random.Next(2) == 0 ? 12345 : new[] { "x" }; break;
            case 6: kind = "event-end-before-start"; ev["end"] = "2026-11-21T06:00:00Z"; break;
            case 7: kind = "event-far-times"; ev["start"] = Pick(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "not a time"]); break;
            case 8: kind = "event-longer-than-a-day"; ev["end"] = "2026-11-25T07:00:00Z"; break;
            case 9: kind = "event-deep-nesting"; json = Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)); break;
            case 10: kind = "event-tags-not-string"; ev["tags_profiler"] = new { service = "x" }; break;
            case 11: kind = "event-huge"; ev["info"] = new string('x', _random.Next(900_000, 1_200_000)); break;
            case 12: kind = "event-invalid-utf8"; json = [.. "{\"tags_profiler\":\"service:"u8, 0xff, 0xfe, 0xc0, .. "\"}"u8]; break;
            case 13: kind = "event-duplicate-keys"; json = Encoding.UTF8.GetBytes("{\"attachments\":[\"a.pprof\"],\"start\":\"2026-11-21T07:00:00Z\",\"end\":\"2026-11-21T07:00:45Z\",\"tags_profiler\":\"service:a\",\"tags_profiler\":\"service:b\"}"); break;
            case 14: kind = "event-null"; json = "null"u8.ToArray(); break;
            default: kind = "event-no-tags"; ev.Remove("tags_profiler"); break;
        }
        var boundary = Boundary();
        var parts = new List<(string, byte[])> { ("event", json ?? Json(ev)), ("a.pprof", ValidPprof()) };
        if (_random.Next(3) == 0)
        {
            parts.Reverse();
        }
        if (_random.Next(8) == 0)
        {
            parts.Add(("event", json ?? Json(ev)));
        }
        return Intake(kind, boundary, Multipart(boundary, [.. parts]));
    }

    private FuzzRequest Labels()
    {
        string tags;
        string kind;
        switch (_random.Next(7))
        {
            case 0:
                kind = "labels-many";
                tags = "service:fuzz," + string.Join(',', Enumerable.Range(0, _random.Next(65, 5000)).Select(i => $"k{i}:v{i}"));
                break;
            case 1: kind = "labels-long-key"; tags = $"service:fuzz,{RandomText(_random.Next(90, 12_000), hostile: false)}:v"; break;
            case 2: kind = "labels-long-value"; tags = $"service:fuzz,k:{RandomText(_random.Next(490, 12_000), hostile: false)}"; break;
            case 3: kind = "labels-hostile-service"; tags = "service:" + Pick(HostileNames); break;
            case 4: kind = "labels-hostile-label"; tags = $"service:fuzz,{Pick(HostileNames)}:{Pick(HostileNames)}"; break;
            case 5: kind = "labels-long-service"; tags = "service:" + RandomText(_random.Next(190, 10_000), hostile: false); break;
            default: kind = "labels-random-text"; tags = "service:" + RandomText(_random.Next(1, 300), hostile: true) + "," + RandomText(_random.Next(1, 300), hostile: true); break;
        }
        var boundary = Boundary();
        return Intake(kind, boundary, Multipart(boundary, ("event", Json(Event(tags, "a.pprof"))), ("a.pprof", ValidPprof())));
    }

    private FuzzRequest ContentTypes()
    {
        var valid = ValidUpload("content-type");
        var boundary = Encoding.Latin1.GetString(valid.Body).Split("\r\n")[0][2..];
        string? contentType = _random.Next(11) switch
        {
            0 => null,
            1 => "text/plain",
            2 => "application/json",
            3 => "multipart/mixed; boundary=" + boundary,
            4 => "multipart/form-data",
            5 => "multipart/form-data; boundary=",
            6 => "multipart/form-data; boundary=" + new string('b', _random.Next(201, 2000)),
            7 => "multipart/form-data; boundary=\"" + boundary + "\"",
            8 => "multipart/form-data; boundary=wrong" + boundary,
            9 => "multipart/form-data; boundary=" + boundary + "; charset=\u00ff\u00fe",
            _ => Encoding.Latin1.GetString(RandomBytes(20)).Replace("\r", "").Replace("\n", ""),
        };
        return valid with { Kind = "content-type", Headers = contentType is null ? [] : [new("Content-Type", contentType)] };
    }

    private FuzzRequest Framing()
    {
        var valid = ValidUpload("framing");
        var ct = valid.Headers[0];
        var body = valid.Body;
        switch (_random.Next(8))
        {
            case 0:
                return valid with { Kind = "framing-length-too-long", Headers = [ct, new("Content-Length", (body.Length + _random.Next(1, 5000)).ToString(CultureInfo.InvariantCulture))], HalfClose = true };
            case 1:
                return valid with { Kind = "framing-length-too-short", Headers = [ct, new("Content-Length", _random.Next(body.Length).ToString(CultureInfo.InvariantCulture))] };
            case 2:
                return valid with { Kind = "framing-chunked", Headers = [ct, new("Transfer-Encoding", "chunked")], Body = Chunked(body, corrupt: false) };
            case 3:
                return valid with { Kind = "framing-chunked-corrupt", Headers = [ct, new("Transfer-Encoding", "chunked")], Body = Chunked(body, corrupt: true) };
            case 4:
                return valid with { Kind = "framing-chunked-unterminated", Headers = [ct, new("Transfer-Encoding", "chunked")], Body = Chunked(body, corrupt: false)[..^5], HalfClose = true };
            case 5:
                return valid with { Kind = "framing-both", Headers = [ct, new("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)), new("Transfer-Encoding", "chunked")], Body = Chunked(body, corrupt: false) };
            case 6:
                return valid with { Kind = "framing-te-gzip", Headers = [ct, new("Transfer-Encoding", "gzip, chunked")], Body = Chunked(GzipBytes(body), corrupt: false) };
            default:
                return valid with { Kind = "framing-negative-length", Headers = [ct, new("Content-Length", Pick(["-1", "abc", "99999999999999999999", "1, 2", " "]))] };
        }
    }

    private byte[] Chunked(byte[] body, bool corrupt)
    {
        var output = new MemoryStream();
        void Write(string s) => output.Write(Encoding.Latin1.GetBytes(s));
        for (var offset = 0; offset < body.Length;)
        {
            var size = Math.Min(body.Length - offset, _random.Next(1, 4096));
            var header = size.ToString("x", CultureInfo.InvariantCulture);
            if (corrupt && _random.Next(4) == 0)
            {
                header = Pick(["zz", "-5", "ffffffffffffffff", header + ";ext=" + new string('e', 9000), "", " " + header, "1" + header]);
            }
            else if (_random.Next(10) == 0)
            {
                header += ";name=value";
            }
            Write(header + "\r\n");
            output.Write(body, offset, size);
            Write(corrupt && _random.Next(6) == 0 ? "XX" : "\r\n");
            offset += size;
        }
        Write(corrupt && _random.Next(3) == 0 ? "0\r\nTrailer: " + new string('t', 40_000) + "\r\n\r\n" : "0\r\n\r\n");
        return output.ToArray();
    }

    private FuzzRequest Pyroscope()
    {
        var name = _random.Next(7) switch
        {
            0 => Pick(HostileNames),
            1 => "fuzz{" + string.Join(',', Enumerable.Range(0, _random.Next(1, 200)).Select(i => $"k{i}=v")) + "}",
            2 => "fuzz{broken",
            3 => "fuzz{=v,k}",
            4 => RandomText(_random.Next(1, 400), hostile: true),
            5 => "fuzz{" + Pick(HostileNames) + "=" + Pick(HostileNames) + "}",
            _ => "fuzz{env=prod}",
        };
        var from = _random.Next(4) switch
        {
            0 => "-5",
            1 => "99999999999999999999",
            2 => "abc",
            _ => "1763708400",
        };
        var until = _random.Next(4) switch
        {
            0 => "1",
            1 => long.MaxValue.ToString(CultureInfo.InvariantCulture),
            2 => "1763708400000000000",
            _ => "1763708410",
        };
        var format = _random.Next(6) == 0 ? Pick(["folded", "jfr", "", "PPROF"]) : "pprof";
        var target = $"/ingest?name={Uri.EscapeDataString(name)}&from={from}&until={until}&format={format}";
        byte[] body = _random.Next(6) switch
        {
            0 => RandomBytes(_random.Next(0, 2048)),
            1 => Mutate(ValidPprof(), 3),
            2 => Pick([_bomb, ZstdBomb.Value, Lz4Bomb.Value]),
            3 => _random.Next(2) == 0 ? Zstd(ValidPprof(gzip: false)) : Lz4(ValidPprof(gzip: false)),
            4 => Mutate(_random.Next(2) == 0 ? Zstd(ValidPprof(gzip: false)) : Lz4(ValidPprof(gzip: false)), 3),
            _ => ValidPprof(),
        };
        if (_random.Next(4) == 0)
        {
            var boundary = Boundary();
            var multipart = Multipart(boundary, (_random.Next(3) == 0 ? "other" : "profile", body));
            return new("pyroscope-multipart", "POST", target, [new("Content-Type", $"multipart/form-data; boundary={(_random.Next(5) == 0 ? "" : boundary)}")], multipart);
        }
        return new("pyroscope", "POST", target, [new("Content-Type", "application/octet-stream")], body);
    }

    /// <summary>Pyroscope's push API: Connect unary requests with broken messages, labels, samples, codecs and encodings.</summary>
    private FuzzRequest Push()
    {
        var push = new PushRequest();
        for (var s = _random.Next(4); s >= 0; s--)
        {
            var series = new RawProfileSeries();
            series.Labels.Add(new LabelPair { Name = Pick(["service_name", "__name__", "app"]), Value = _random.Next(3) == 0 ? Pick(HostileNames) : "fuzz" });
            for (var l = _random.Next(5) == 0 ? _random.Next(60, 300) : _random.Next(4); l > 0; l--)
            {
                series.Labels.Add(new LabelPair { Name = _random.Next(4) == 0 ? Pick(HostileNames) : "k" + l, Value = RandomText(_random.Next(0, 40), hostile: _random.Next(4) == 0) });
            }
            for (var i = _random.Next(1, 3); i > 0; i--)
            {
                var raw = ValidPprof(gzip: false);
                byte[] sample = _random.Next(10) switch
                {
                    0 => RandomBytes(_random.Next(0, 512)),
                    1 => Mutate(Pprofs.GzipBytes(raw), _random.Next(1, 4)),
                    2 => Pick([_bomb, ZstdBomb.Value, Lz4Bomb.Value]),
                    3 => Zstd(raw),
                    4 => Lz4(raw),
                    5 => [],
                    6 => raw,
                    _ => Pprofs.GzipBytes(raw),
                };
                series.Samples.Add(new RawSample { RawProfile = ByteString.CopyFrom(sample), ID = Guid.NewGuid().ToString() });
            }
            push.Series.Add(series);
        }
        var json = _random.Next(3) == 0;
        var body = push.ToByteArray();
        try
        {
            body = json ? Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(push)) : body;
        }
        catch (ArgumentException)
        {
            // Broken UTF-16 in a label has no JSON form; protobuf carries it (as replacement characters).
            json = false;
        }
        var kind = json ? "push-json" : "push-proto";
        switch (_random.Next(12))
        {
            case 0: kind += "-mutated"; body = Mutate(body, _random.Next(1, 6)); break;
            case 1: kind += "-truncated"; body = body[.._random.Next(body.Length + 1)]; break;
            case 2: kind = "push-json-deep"; json = true; body = Encoding.UTF8.GetBytes("{\"series\":" + new string('[', 3000) + new string(']', 3000) + "}"); break;
            case 3: kind = "push-json-types"; json = true; body = Encoding.UTF8.GetBytes(Pick(["{\"series\":5}", "{\"series\":[{\"samples\":[{\"rawProfile\":\"***\"}]}]}", "[]", "null", "{\"series\":[{\"labels\":[{\"name\":1}]}]}"])); break;
            case 4: kind = "push-many-samples"; body = ManySamples(); json = false; break;
            case 5: kind += "-random"; body = RandomBytes(_random.Next(0, 2048)); break;
        }
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Content-Type", _random.Next(12) == 0 ? Pick(["application/grpc", "text/plain", "application/proto; charset=\u00ff", "", "application/connect+proto"]) : json ? "application/json" : "application/proto"),
            new("Connect-Protocol-Version", "1"),
        };
        switch (_random.Next(8))
        {
            case 0: kind += "-gzip"; headers.Add(new("Content-Encoding", "gzip")); body = Pprofs.GzipBytes(body); break;
            case 1: kind += "-zstd"; headers.Add(new("Content-Encoding", "zstd")); body = Zstd(body); break;
            case 2: kind += "-gzip-corrupt"; headers.Add(new("Content-Encoding", "gzip")); body = Mutate(Pprofs.GzipBytes(body), _random.Next(1, 4)); break;
            case 3: kind += "-encoding-bomb"; headers.Add(new("Content-Encoding", Pick(["gzip", "zstd"]))); body = headers[^1].Value == "gzip" ? _bomb : ZstdBomb.Value; break;
            case 4: kind += "-encoding-other"; headers.Add(new("Content-Encoding", Pick(["br", "deflate", "gzip, zstd", "identity", "\u00ff"]))); break;
        }
        return new(kind, "POST", "/push.v1.PusherService/Push", headers, body);
    }

    /// <summary>More profiles than one push may carry: refused after the first 1,024 were checked.</summary>
    private byte[] ManySamples()
    {
        var push = new PushRequest();
        var series = new RawProfileSeries();
        series.Labels.Add(new LabelPair { Name = "service_name", Value = "fuzz-many" });
        var pprof = ByteString.CopyFrom(Pprofs.Create(Types, (["main"], [1, 1, 1])).ToByteArray());
        for (var i = _random.Next(Flamewatch.Agent.Intake.PyroscopePush.MaxProfiles + 1, Flamewatch.Agent.Intake.PyroscopePush.MaxProfiles + 100); i > 0; i--)
        {
            series.Samples.Add(new RawSample { RawProfile = pprof });
        }
        push.Series.Add(series);
        return push.ToByteArray();
    }

    private FuzzRequest MultipartStructure()
    {
        var boundary = Boundary();
        var ev = Json(Event("service:fuzz", "a.pprof"));
        var pprof = ValidPprof();
        switch (_random.Next(6))
        {
            case 0:
                var many = Enumerable.Range(0, _random.Next(200, 3000)).Select(i => ($"p{i}", new byte[] { 1 })).ToList();
                many.Add(("event", Json(Event("service:fuzz", [.. many.Select(m => m.Item1)]))));
                return Intake("multipart-many-parts", boundary, Multipart(boundary, [.. many]));
            case 1:
                var header = $"--{boundary}\r\nContent-Disposition: form-data; name=\"event\"\r\nX-Filler: {new string('h', _random.Next(17_000, 40_000))}\r\n\r\n";
                return Intake("multipart-huge-part-headers", boundary, [.. Encoding.Latin1.GetBytes(header), .. ev, .. Encoding.Latin1.GetBytes($"\r\n--{boundary}--\r\n")]);
            case 2:
                return Intake("multipart-duplicate-attachment", boundary, Multipart(boundary, ("event", ev), ("a.pprof", pprof), ("a.pprof", pprof)));
            case 3:
                var nameless = $"--{boundary}\r\nContent-Type: application/json\r\n\r\n";
                return Intake("multipart-nameless", boundary, [.. Encoding.Latin1.GetBytes(nameless), .. ev, .. Encoding.Latin1.GetBytes($"\r\n--{boundary}--\r\n")]);
            case 4:
                var hostile = Pick(HostileNames);
                return Intake("multipart-hostile-part-name", boundary, Multipart(boundary, ("event", Json(Event("service:fuzz", hostile))), (hostile, pprof)));
            default:
                return Intake("multipart-no-closing-boundary", boundary, [.. Multipart(boundary, ("event", ev), ("a.pprof", pprof))[..^(boundary.Length + 6)]]);
        }
    }

    private FuzzRequest MethodsAndPaths()
    {
        var valid = ValidUpload("method");
        return _random.Next(4) switch
        {
            0 => valid with { Kind = "method", Method = Pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]) },
            1 => valid with { Kind = "path", Target = Pick(["/profiling/v1/input/../../../etc/passwd", "/profiling/v1/input%00", "/profiling//v1/input", "/profiling/v1/input?x=" + new string('q', 5000), "/ingest/../profiling/v1/input", "*"]) },
            2 => valid with { Kind = "method-garbage", Method = Pick(["G\0ET", "POST POST", "\u00ff"]) },
            _ => valid with { Kind = "path-long", Target = "/" + new string('p', _random.Next(9_000, 20_000)) },
        };
    }

    private FuzzRequest Headers()
    {
        var valid = ValidUpload("headers");
        return _random.Next(4) switch
        {
            0 => valid with { Kind = "headers-huge", Headers = [.. valid.Headers, new("X-Huge", new string('x', _random.Next(33_000, 70_000)))] },
            1 => valid with { Kind = "headers-many", Headers = [.. valid.Headers, .. Enumerable.Range(0, _random.Next(100, 300)).Select(i => new KeyValuePair<string, string>($"X-H{i}", "v"))] },
            2 => valid with { Kind = "headers-auth-garbage", Headers = [.. valid.Headers, new("Authorization", Pick(["Bearer", "Bearer " + new string('t', 5000), "Basic Zm9vOmJhcg==", "\u00ff\u00fe"])), new("DD-API-KEY", RandomText(30, hostile: false))] },
            _ => valid with { Kind = "headers-bad-encoding", Headers = [.. valid.Headers, new("Content-Encoding", Pick(["gzip", "br", "deflate", "identity, gzip"]))] },
        };
    }

    private FuzzRequest Oversized()
    {
        var boundary = Boundary();
        var filler = RandomBytes((int)_maxBodyBytes + _random.Next(1, 256 * 1024));
        var body = Multipart(boundary, ("event", Json(Event("service:fuzz", "a.pprof"))), ("a.pprof", filler));
        return _random.Next(2) == 0
            ? Intake("oversized", boundary, body)
            : new("oversized-chunked", "POST", IntakePath, [new("Content-Type", $"multipart/form-data; boundary={boundary}"), new("Transfer-Encoding", "chunked")], Chunked(body, corrupt: false));
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>
/// Decodes the protobuf request bodies kubectl's generators send for a few core kinds (<c>kubectl create
/// namespace|configmap|secret</c>): the "k8s\0" envelope (runtime.Unknown) around the object message, of which
/// the metadata fields and the kind's data fields are read. Other kinds answer 415.
/// </summary>
internal static class ProtobufBodies
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    public static JsonObject Decode(byte[] body, ServedResource r)
    {
        if (r.Group.Length != 0 || r.Plural is not ("namespaces" or "configmaps" or "secrets") || !body.AsSpan().StartsWith(Magic))
        {
            throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf is decoded only for namespaces, configmaps and secrets)");
        }

        byte[]? raw = null;
        var envelope = new CodedInputStream(body, Magic.Length, body.Length - Magic.Length);
        uint tag;
        while ((tag = envelope.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 2)
            {
                raw = envelope.ReadBytes().ToByteArray();
            }
            else
            {
                envelope.SkipLastField();
            }
        }

        var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = r.Kind };
        var input = new CodedInputStream(raw ?? []);
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            switch (r.Plural, field)
            {
                case (_, 1):
                    obj["metadata"] = Metadata(input.ReadBytes());
                    break;
                case ("configmaps", 2):
                    AddEntry(obj, "data", input.ReadBytes(), bytes: false);
                    break;
                case ("configmaps", 3):
                    AddEntry(obj, "binaryData", input.ReadBytes(), bytes: true);
                    break;
                case ("secrets", 2):
                    AddEntry(obj, "data", input.ReadBytes(), bytes: true);
                    break;
                case ("secrets", 3):
                    obj["type"] = input.ReadString();
                    break;
                case ("secrets", 4):
                    AddEntry(obj, "stringData", input.ReadBytes(), bytes: false);
                    break;
                case ("configmaps" or "secrets", 5 or 4) when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    obj["immutable"] = input.ReadBool();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return obj;
    }

    private static JsonObject Metadata(ByteString bytes)
    {
        var meta = new JsonObject();
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    meta["name"] = input.ReadString();
                    break;
                case 2:
                    meta["generateName"] = input.ReadString();
                    break;
                case 3:
                    meta["namespace"] = input.ReadString();
                    break;
                case 11:
                    AddEntry(meta, "labels", input.ReadBytes(), bytes: false);
                    break;
                case 12:
                    AddEntry(meta, "annotations", input.ReadBytes(), bytes: false);
                    break;
                case 14:
                    (meta["finalizers"] as JsonArray ?? (JsonArray)(meta["finalizers"] = new JsonArray())).Add(input.ReadString());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return meta;
    }

    private static void AddEntry(JsonObject target, string field, ByteString entry, bool bytes)
    {
        var input = new CodedInputStream(entry.ToByteArray());
        string key = "";
        string value = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    key = input.ReadString();
                    break;
                case 2:
                    value = bytes ? Convert.ToBase64String(input.ReadBytes().ToByteArray()) : input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (target[field] is not JsonObject map)
        {
            target[field] = map = [];
        }

        map[key] = value;
    }

    public static bool IsProtobuf(string? contentType) => contentType?.StartsWith(ContentType, StringComparison.Ordinal) == true;

    public static string Describe(byte[] body) => Encoding.UTF8.GetString(body);
}

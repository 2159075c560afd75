using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>RFC 7386 merge patch, RFC 6902 JSON patch, and strategic merge patch for kubectl's common cases.</summary>
internal static class Patches
{
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObj)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObj)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var existing = result[key];
                result.Remove(key);
                result[key] = MergePatch(existing, value);
            }
        }

        return result;
    }

    /// <summary>
    /// Strategic merge patch as kubectl uses it on built-in kinds: a merge patch in which lists of objects with a
    /// "name" (containers, env, ports, volumes, ...) merge by name, <c>$patch: delete</c> removes an entry, and
    /// directive keys (<c>$setElementOrder/...</c>, <c>$retainKeys</c>) are honoured loosely or ignored.
    /// </summary>
    public static JsonNode? StrategicMerge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObj)
        {
            return patch?.DeepClone();
        }

        if (patchObj["$patch"]?.GetValue<string>() == "replace")
        {
            var replaced = patchObj.DeepClone().AsObject();
            replaced.Remove("$patch");
            return replaced;
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObj)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            var existing = result[key];
            result.Remove(key);
            if (value is JsonArray patchList && existing is JsonArray targetList && IsNamedList(patchList) && IsNamedList(targetList))
            {
                result[key] = MergeNamedList(targetList, patchList);
            }
            else
            {
                result[key] = StrategicMerge(existing, value);
            }
        }

        return result;
    }

    private static bool IsNamedList(JsonArray list) => list.Count > 0 && list.All(i => i is JsonObject o && o["name"] is JsonValue);

    private static JsonArray MergeNamedList(JsonArray target, JsonArray patch)
    {
        var items = target.Select(i => i!.DeepClone().AsObject()).ToList();
        foreach (var p in patch.OfType<JsonObject>())
        {
            var name = p["name"]!.GetValue<string>();
            var index = items.FindIndex(i => i["name"]?.GetValue<string>() == name);
            if (p["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0)
                {
                    items.RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                items[index] = (JsonObject)StrategicMerge(items[index], p)!;
            }
            else
            {
                items.Add((JsonObject)StrategicMerge(null, p)!);
            }
        }

        return new JsonArray(items.ToArray<JsonNode?>());
    }

    /// <exception cref="InvalidOperationException">An operation failed (missing path, failed test).</exception>
    public static JsonNode? JsonPatch(JsonNode? document, JsonArray operations)
    {
        var doc = document;
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op)
            {
                throw new InvalidOperationException("a JSON patch operation must be an object");
            }

            var kind = op["op"]?.GetValue<string>() ?? throw new InvalidOperationException("operation has no \"op\"");
            var path = op["path"]?.GetValue<string>() ?? throw new InvalidOperationException("operation has no \"path\"");
            switch (kind)
            {
                case "add":
                    doc = Add(doc, path, op["value"]?.DeepClone(), replace: false);
                    break;
                case "replace":
                    _ = Get(doc, path);
                    doc = Add(doc, path, op["value"]?.DeepClone(), replace: true);
                    break;
                case "remove":
                    doc = Remove(doc, path, out _);
                    break;
                case "move":
                    var from = op["from"]?.GetValue<string>() ?? throw new InvalidOperationException("move has no \"from\"");
                    doc = Remove(doc, from, out var moved);
                    doc = Add(doc, path, moved, replace: false);
                    break;
                case "copy":
                    var source = op["from"]?.GetValue<string>() ?? throw new InvalidOperationException("copy has no \"from\"");
                    doc = Add(doc, path, Get(doc, source)?.DeepClone(), replace: false);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path), op["value"]))
                    {
                        throw new InvalidOperationException($"testing value {path} failed");
                    }

                    break;
                default:
                    throw new InvalidOperationException($"unexpected kind of operation \"{kind}\"");
            }
        }

        return doc;
    }

    private static string[] Split(string path) =>
        path.Length == 0 ? [] : path[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Get(JsonNode? doc, string path) => Walk(doc, Split(path), path);

    private static JsonNode? Walk(JsonNode? doc, string[] segments, string path)
    {
        var node = doc;
        foreach (var segment in segments)
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(segment, out var child) => child,
                JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new InvalidOperationException($"doc is missing path: \"{path}\""),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? doc, string path, JsonNode? value, bool replace)
    {
        var segments = Split(path);
        if (segments.Length == 0)
        {
            return value;
        }

        var parent = Walk(doc, segments[..^1], path);
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o:
                o.Remove(last);
                o[last] = value;
                break;
            case JsonArray a when last == "-" && !replace:
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                if (replace)
                {
                    a.RemoveAt(i);
                }

                a.Insert(i, value);
                break;
            default:
                throw new InvalidOperationException($"doc is missing path: \"{path}\"");
        }

        return doc;
    }

    private static JsonNode? Remove(JsonNode? doc, string path, out JsonNode? removed)
    {
        var segments = Split(path);
        var parent = Walk(doc, segments[..^1], path);
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var child):
                removed = child;
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new InvalidOperationException($"unable to remove nonexistent key: {last}: missing value");
        }

        removed = removed?.DeepClone();
        return doc;
    }
}

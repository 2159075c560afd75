using System.Globalization;
using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>
/// Server-side printing (meta.k8s.io/v1 Table) as kubectl requests it for <c>get</c>: pods get READY/STATUS/RESTARTS,
/// custom resources their additionalPrinterColumns, everything else NAME and AGE.
/// </summary>
internal static class Tables
{
    public static bool Wanted(string? accept) => accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject ToTable(ServedResource r, IEnumerable<JsonObject> items, string? resourceVersion, string? continueToken, DateTimeOffset now)
    {
        var columns = Columns(r);
        var meta = new JsonObject();
        if (resourceVersion is not null)
        {
            meta["resourceVersion"] = resourceVersion;
        }

        if (continueToken is not null)
        {
            meta["continue"] = continueToken;
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = meta,
            ["columnDefinitions"] = new JsonArray(columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Name == "Name" ? "name" : "",
                ["description"] = c.Name,
                ["priority"] = c.Priority,
            }).ToArray()),
            ["rows"] = new JsonArray(items.Select(i => (JsonNode)Row(columns, i, now)).ToArray()),
        };
    }

    private sealed record Column(string Name, string Type, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell);

    private static List<Column> Columns(ServedResource r)
    {
        var name = new Column("Name", "string", 0, (o, _) => o["metadata"]?["name"]?.DeepClone());
        var age = new Column("Age", "string", 0, (o, now) => Age(o["metadata"]?["creationTimestamp"], now));
        if (r.Group.Length == 0 && r.Plural == "pods")
        {
            return
            [
                name,
                new Column("Ready", "string", 0, (o, _) =>
                {
                    var total = o["spec"]?["containers"]?.AsArray().Count ?? 0;
                    var ready = o["status"]?["containerStatuses"]?.AsArray().Count(c => c?["ready"]?.GetValue<bool>() == true) ?? 0;
                    return $"{ready}/{total}";
                }),
                new Column("Status", "string", 0, (o, _) => o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : o["status"]?["phase"]?.DeepClone() ?? "Unknown"),
                new Column("Restarts", "string", 0, (o, _) => (o["status"]?["containerStatuses"]?.AsArray().Sum(c => c?["restartCount"]?.GetValue<long>() ?? 0) ?? 0).ToString(CultureInfo.InvariantCulture)),
                age,
                new Column("IP", "string", 1, (o, _) => o["status"]?["podIP"]?.DeepClone() ?? "<none>"),
                new Column("Node", "string", 1, (o, _) => o["spec"]?["nodeName"]?.DeepClone() ?? "<none>"),
            ];
        }

        if (r.PrinterColumns is { Count: > 0 } printer)
        {
            var columns = new List<Column> { name };
            foreach (var c in printer.OfType<JsonObject>())
            {
                var type = c["type"]?.GetValue<string>() ?? "string";
                var path = c["jsonPath"]?.GetValue<string>() ?? "";
                columns.Add(new Column(c["name"]?.GetValue<string>() ?? path, type == "date" ? "string" : type, (int)(c["priority"]?.GetValue<long>() ?? 0),
                    (o, now) => type == "date" ? Age(Eval(o, path), now) : Eval(o, path)?.DeepClone()));
            }

            return columns;
        }

        return [name, age];
    }

    private static JsonObject Row(List<Column> columns, JsonObject obj, DateTimeOffset now) => new()
    {
        ["cells"] = new JsonArray(columns.Select(c => c.Cell(obj, now) ?? JsonValue.Create("<none>")).ToArray()),
        ["object"] = new JsonObject
        {
            ["kind"] = "PartialObjectMetadata",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = obj["metadata"]?.DeepClone(),
        },
    };

    /// <summary>The JSONPath subset printer columns use: <c>.a.b</c>, <c>.a[0].b</c>, <c>.a[?(@.k=="v")].b</c>.</summary>
    internal static JsonNode? Eval(JsonNode? node, string path)
    {
        var p = path.Trim().TrimStart('{').TrimEnd('}').TrimStart('.');
        var i = 0;
        while (node is not null && i < p.Length)
        {
            if (p[i] == '.')
            {
                i++;
                continue;
            }

            if (p[i] == '[')
            {
                var end = p.IndexOf(']', i);
                if (end < 0)
                {
                    return null;
                }

                var inner = p[(i + 1)..end];
                i = end + 1;
                if (int.TryParse(inner, CultureInfo.InvariantCulture, out var index))
                {
                    node = node is JsonArray a && index < a.Count ? a[index] : null;
                }
                else if (inner.StartsWith("?(@.", StringComparison.Ordinal) && inner.Contains("==", StringComparison.Ordinal))
                {
                    var cond = inner[4..^1];
                    var eq = cond.IndexOf("==", StringComparison.Ordinal);
                    var key = cond[..eq];
                    var value = cond[(eq + 2)..].Trim('"', '\'');
                    node = (node as JsonArray)?.FirstOrDefault(e => e?[key]?.ToString() == value);
                }
                else
                {
                    return null;
                }

                continue;
            }

            var next = p.IndexOfAny(['.', '['], i);
            var field = next < 0 ? p[i..] : p[i..next];
            i = next < 0 ? p.Length : next;
            node = node[field];
        }

        return node;
    }

    private static JsonNode? Age(JsonNode? timestamp, DateTimeOffset now)
    {
        if (timestamp is null || !DateTimeOffset.TryParse(timestamp.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return null;
        }

        return HumanDuration(now - t);
    }

    /// <summary>apimachinery's duration.HumanDuration.</summary>
    internal static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)Math.Max(0, d.TotalSeconds);
        if (seconds < 120)
        {
            return $"{seconds}s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }

        if (minutes < 180)
        {
            return $"{minutes}m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        }

        return hours < 24 * 365 * 2 ? $"{hours / 24}d" : $"{hours / 24 / 365}y";
    }
}

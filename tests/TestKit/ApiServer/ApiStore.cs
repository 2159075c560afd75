using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>
/// The storage of the test API server: objects by resource, one global monotonically increasing revision
/// (exposed as resourceVersion strings), a bounded event history for watch resumption, and the open watchers.
/// Every mutation and every watch registration happens under one lock, so event order is total.
/// Stored objects are never mutated in place; writes replace them.
/// </summary>
internal sealed class ApiStore(int historyLimit)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly LinkedList<HistoryEvent> _history = new();
    private readonly List<Watcher> _watchers = [];
    private long _revision = 1;
    private long _compactedRevision;

    public sealed record HistoryEvent(long Revision, ServedResource Resource, string Type, JsonObject? Old, JsonObject? New);

    public Lock Gate => _lock;

    public long Revision
    {
        get
        {
            lock (_lock)
            {
                return _revision;
            }
        }
    }

    public int HistoryLimit { get; set; } = historyLimit;

    public static string KeyOf(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    public static IReadOnlyDictionary<string, string>? Labels(JsonObject obj) =>
        obj["metadata"]?["labels"] is JsonObject labels ? labels.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "") : null;

    public JsonObject? Get(ServedResource r, string? ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(r.Key, out var map) && map.TryGetValue(KeyOf(ns, name), out var obj) ? obj : null;
        }
    }

    /// <summary>A consistent snapshot (sorted by namespace/name) and the revision it reflects.</summary>
    public (List<JsonObject> Items, long Revision) List(ServedResource r, Func<JsonObject, bool> filter)
    {
        lock (_lock)
        {
            var items = _objects.TryGetValue(r.Key, out var map) ? map.Values.Where(filter).ToList() : [];
            return (items, _revision);
        }
    }

    public int Count(ServedResource r)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(r.Key, out var map) ? map.Count : 0;
        }
    }

    /// <summary>Stores a new or changed object (stamping its resourceVersion) and notifies watchers. Caller holds <see cref="Gate"/>.</summary>
    public JsonObject Write(ServedResource r, JsonObject obj, JsonObject? old)
    {
        // Normalize to parsed JSON so every stored number reads back as any numeric type.
        obj = JsonNode.Parse(obj.ToJsonString())!.AsObject();
        var rv = ++_revision;
        obj["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var meta = obj["metadata"]!;
        var key = KeyOf(meta["namespace"]?.GetValue<string>(), meta["name"]!.GetValue<string>());
        if (!_objects.TryGetValue(r.Key, out var map))
        {
            _objects[r.Key] = map = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        }

        map[key] = obj;
        Record(new HistoryEvent(rv, r, old is null ? "ADDED" : "MODIFIED", old, obj));
        return obj;
    }

    /// <summary>Removes an object and notifies watchers with DELETED. Caller holds <see cref="Gate"/>.</summary>
    public JsonObject Remove(ServedResource r, JsonObject old)
    {
        var rv = ++_revision;
        var meta = old["metadata"]!;
        var key = KeyOf(meta["namespace"]?.GetValue<string>(), meta["name"]!.GetValue<string>());
        _objects[r.Key].Remove(key);
        var deleted = old.DeepClone().AsObject();
        deleted["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        Record(new HistoryEvent(rv, r, "DELETED", old, deleted));
        return deleted;
    }

    public List<JsonObject> All(ServedResource r)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(r.Key, out var map) ? [.. map.Values] : [];
        }
    }

    private void Record(HistoryEvent e)
    {
        _history.AddLast(e);
        while (_history.Count > HistoryLimit)
        {
            _compactedRevision = _history.First!.Value.Revision;
            _history.RemoveFirst();
        }

        foreach (var w in _watchers)
        {
            if (w.Resource.Key == e.Resource.Key && !w.Silenced)
            {
                Deliver(w, e);
            }
        }
    }

    private static void Deliver(Watcher w, HistoryEvent e)
    {
        var oldPasses = e.Type != "ADDED" && w.Matches(e.Old);
        var newPasses = e.Type != "DELETED" && w.Matches(e.New);
        (string Type, JsonObject? Obj)? outcome = e.Type switch
        {
            "ADDED" when newPasses => ("ADDED", e.New),
            "DELETED" when oldPasses => ("DELETED", e.New),
            "MODIFIED" when oldPasses && newPasses => ("MODIFIED", e.New),
            "MODIFIED" when newPasses => ("ADDED", e.New),
            "MODIFIED" when oldPasses => ("DELETED", WithRevision(e.Old!, e.Revision)),
            _ => null,
        };
        if (outcome is { } o)
        {
            w.Events.Writer.TryWrite(Frame(o.Type, w.Transform is null ? o.Obj! : w.Transform(o.Obj!)));
        }
    }

    private static JsonObject WithRevision(JsonObject obj, long rv)
    {
        var copy = obj.DeepClone().AsObject();
        copy["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        return copy;
    }

    public static byte[] Frame(string type, JsonObject obj)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>
    /// Registers a watcher starting at <paramref name="resourceVersion"/>: null/"0" queues synthetic ADDED events for
    /// the current state; otherwise replays history after it, or queues an ERROR 410 Expired when it was compacted.
    /// Returns false when the watch ended immediately (error queued).
    /// </summary>
    public bool Register(Watcher w, string? resourceVersion, bool sendInitialEvents = false)
    {
        lock (_lock)
        {
            if (sendInitialEvents || string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                if (_objects.TryGetValue(w.Resource.Key, out var map))
                {
                    foreach (var obj in map.Values.Where(w.Matches))
                    {
                        w.Events.Writer.TryWrite(Frame("ADDED", w.Transform is null ? obj : w.Transform(obj)));
                    }
                }

                if (sendInitialEvents)
                {
                    // Watch-list (sendInitialEvents=true): a bookmark marks the end of the initial state.
                    w.Events.Writer.TryWrite(Frame("BOOKMARK", new JsonObject
                    {
                        ["kind"] = w.Resource.Kind,
                        ["apiVersion"] = w.Resource.ApiVersion,
                        ["metadata"] = new JsonObject
                        {
                            ["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture),
                            ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
                        },
                    }));
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
                {
                    throw ApiError.BadRequest($"invalid resource version: \"{resourceVersion}\"");
                }

                if (rv < _compactedRevision)
                {
                    w.Events.Writer.TryWrite(Frame("ERROR", new ApiError(410, "Expired", $"too old resource version: {rv} ({_compactedRevision + 1})").ToStatus()));
                    w.Events.Writer.TryComplete();
                    return false;
                }

                if (rv > _revision)
                {
                    var error = new ApiError(504, "Timeout", $"Too large resource version: {rv}, current: {_revision}");
                    var status = error.ToStatus();
                    status["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }), ["retryAfterSeconds"] = 1 };
                    w.Events.Writer.TryWrite(Frame("ERROR", status));
                    w.Events.Writer.TryComplete();
                    return false;
                }

                foreach (var e in _history)
                {
                    if (e.Revision > rv && e.Resource.Key == w.Resource.Key)
                    {
                        Deliver(w, e);
                    }
                }
            }

            _watchers.Add(w);
            return true;
        }
    }

    public void Unregister(Watcher w)
    {
        lock (_lock)
        {
            _watchers.Remove(w);
        }
    }

    public List<Watcher> Watchers()
    {
        lock (_lock)
        {
            return [.. _watchers];
        }
    }

    /// <summary>Queues a BOOKMARK at the current revision to every bookmark-enabled watcher (after all earlier events).</summary>
    public void Bookmark()
    {
        lock (_lock)
        {
            foreach (var w in _watchers)
            {
                if (w.Bookmarks && !w.Silenced)
                {
                    var obj = new JsonObject
                    {
                        ["kind"] = w.Resource.Kind,
                        ["apiVersion"] = w.Resource.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture) },
                    };
                    w.Events.Writer.TryWrite(Frame("BOOKMARK", obj));
                }
            }
        }
    }

    /// <summary>Forgets all history: watches from any earlier resourceVersion get 410 Expired.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            _compactedRevision = _revision;
        }
    }

    public static string Describe(JsonObject obj) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(obj));
}

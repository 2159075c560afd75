using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flamewatch.Kubernetes.Selectors;
using Microsoft.AspNetCore.Http;

namespace Flamewatch.TestKit.ApiServer;

/// <summary>The HTTP semantics of kube-apiserver for the served resources (see docs/kubernetes-client.md for the checklist).</summary>
internal sealed partial class ApiHandler
{
    private readonly ApiStore _store;
    private readonly TestApiServerOptions _options;
    private readonly ConcurrentDictionary<string, ServedResource> _resources = new();
    private readonly ConcurrentDictionary<string, ContinueSnapshot> _snapshots = new();
    private readonly List<FaultRule> _faults = [];
    private long _snapshotIds;
    private volatile string[] _tokens;

    public ApiHandler(ApiStore store, TestApiServerOptions options)
    {
        _store = store;
        _options = options;
        _tokens = options.Token is null ? [] : [options.Token];
        foreach (var r in ServedResource.BuiltIns())
        {
            _resources[r.Key] = r;
        }

        Webhooks = new MutatingWebhooks(store, Resource);

        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            var obj = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns } },
                ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            };
            StampNew(obj);
            lock (_store.Gate)
            {
                _store.Write(Resource("", "namespaces")!, obj, null);
            }
        }
    }

    private sealed record ContinueSnapshot(List<JsonObject> Items, long Revision, DateTimeOffset Created);

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public MutatingWebhooks Webhooks { get; }

    public string[] Tokens
    {
        get => _tokens;
        set => _tokens = value;
    }

    public void AddFault(FaultRule rule)
    {
        lock (_faults)
        {
            _faults.Add(rule);
        }
    }

    public void ClearFaults()
    {
        lock (_faults)
        {
            _faults.Clear();
        }
    }

    public void ExpireContinueTokens() => _snapshots.Clear();

    public ServedResource? Resource(string group, string plural) => _resources.TryGetValue($"{group}/{plural}", out var r) ? r : null;

    public IEnumerable<ServedResource> Resources => _resources.Values;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(new RecordedRequest(request.Method, request.Path + request.QueryString, request.ContentType, request.Headers.UserAgent.ToString()));
        try
        {
            if (!Authenticated(request))
            {
                throw new ApiError(401, "Unauthorized", "Unauthorized");
            }

            await ApplyFaultsAsync(request, context.RequestAborted).ConfigureAwait(false);
            await RouteAsync(context).ConfigureAwait(false);
        }
        catch (ApiError e)
        {
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, e.Code, e.ToStatus()).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            // A bug in the test server: answer like kube-apiserver's panic handler, with the cause in the message.
            await WriteAsync(context, 500, new ApiError(500, "InternalError", $"Internal error occurred: {e}").ToStatus()).ConfigureAwait(false);
        }
    }

    private bool Authenticated(HttpRequest request)
    {
        var tokens = _tokens;
        if (tokens.Length == 0 || request.Path.Value is "/healthz" or "/livez" or "/readyz")
        {
            return true;
        }

        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && tokens.Contains(header[7..].Trim());
    }

    private async Task ApplyFaultsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        FaultRule? hit = null;
        lock (_faults)
        {
            foreach (var rule in _faults)
            {
                if (rule.Match(request) && rule.TryUse())
                {
                    hit = rule;
                    break;
                }
            }
        }

        if (hit is null)
        {
            return;
        }

        if (hit.Delay > TimeSpan.Zero)
        {
            await Task.Delay(hit.Delay, cancellationToken).ConfigureAwait(false);
        }

        if (hit.StatusCode is { } code)
        {
            var reason = ReasonFor(code);
            var details = code == 429 ? new JsonObject { ["retryAfterSeconds"] = 1 } : null;
            throw new ApiError(code, reason, $"injected fault: {code} {reason}", details);
        }
    }

    private static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        504 => "Timeout",
        _ => code >= 500 ? "InternalError" : "Unknown",
    };

    private async Task RouteAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        switch (path.TrimEnd('/'))
        {
            case "/healthz" or "/livez" or "/readyz":
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok").ConfigureAwait(false);
                return;
            case "/version":
                await WriteAsync(context, 200, Discovery.Version()).ConfigureAwait(false);
                return;
            case "/api":
                await WriteAsync(context, 200, Discovery.CoreVersions(context)).ConfigureAwait(false);
                return;
            case "/apis":
                await WriteAsync(context, 200, Discovery.Groups(Resources)).ConfigureAwait(false);
                return;
            case "/openapi/v3":
                await WriteAsync(context, 200, OpenApi.Index(Resources)).ConfigureAwait(false);
                return;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var parts = path["/openapi/v3/".Length..].Trim('/').Split('/');
            var doc = parts switch
            {
                ["api", var v] => OpenApi.Document(Resources, "", v),
                ["apis", var g, var v] => OpenApi.Document(Resources, g, v),
                _ => null,
            };
            await WriteAsync(context, 200, doc ?? throw NotFoundPath(path)).ConfigureAwait(false);
            return;
        }

        var segments = path.Trim('/').Split('/');
        string group, version;
        ArraySegment<string> rest;
        if (segments[0] == "api" && segments.Length >= 2)
        {
            group = "";
            version = segments[1];
            rest = new ArraySegment<string>(segments, 2, segments.Length - 2);
        }
        else if (segments[0] == "apis" && segments.Length >= 3)
        {
            group = segments[1];
            version = segments[2];
            rest = new ArraySegment<string>(segments, 3, segments.Length - 3);
        }
        else if (segments[0] == "apis" && segments.Length == 2)
        {
            var g = Discovery.Group(Resources, segments[1]) ?? throw NotFoundPath(path);
            await WriteAsync(context, 200, g).ConfigureAwait(false);
            return;
        }
        else
        {
            throw NotFoundPath(path);
        }

        if (rest.Count == 0)
        {
            var list = Discovery.ResourceList(Resources, group, version) ?? throw NotFoundPath(path);
            await WriteAsync(context, 200, list).ConfigureAwait(false);
            return;
        }

        string? ns = null;
        if (rest.Count >= 3 && rest[0] == "namespaces" && Resource(group, rest[2]) is { Namespaced: true })
        {
            ns = rest[1];
            rest = rest[2..];
        }

        var resource = Resource(group, rest[0]);
        if (resource is null || !resource.Versions.Contains(version))
        {
            throw NotFoundPath(path);
        }

        var name = rest.Count >= 2 ? rest[1] : null;
        var sub = rest.Count >= 3 ? rest[2] : null;
        if (rest.Count > 3 || (sub is not null && !(sub == "status" && resource.HasStatus)))
        {
            throw NotFoundPath(path);
        }

        if (resource.Namespaced && ns is null && name is not null)
        {
            throw NotFoundPath(path);
        }

        var query = context.Request.Query;
        switch (method)
        {
            case "GET" when name is null && (query["watch"] == "true" || query["watch"] == "1"):
                await WatchAsync(context, resource, ns).ConfigureAwait(false);
                break;
            case "GET" when name is null:
                var list = List(context, resource, ns);
                if (Tables.Wanted(context.Request.Headers.Accept))
                {
                    list = Tables.ToTable(resource, list["items"]!.AsArray().OfType<JsonObject>(), list["metadata"]?["resourceVersion"]?.GetValue<string>(), list["metadata"]?["continue"]?.GetValue<string>(), _options.TimeProvider.GetUtcNow());
                }

                await WriteAsync(context, 200, list).ConfigureAwait(false);
                break;
            case "GET":
                var obj = _store.Get(resource, ns, name!) ?? throw ApiError.NotFound(resource, name!);
                if (Tables.Wanted(context.Request.Headers.Accept))
                {
                    obj = Tables.ToTable(resource, [obj], null, null, _options.TimeProvider.GetUtcNow());
                }

                await WriteAsync(context, 200, obj).ConfigureAwait(false);
                break;
            case "POST" when name is null:
                var body0 = ProtobufBodies.IsProtobuf(context.Request.ContentType)
                    ? ProtobufBodies.Decode(await ReadBytesAsync(context).ConfigureAwait(false), resource)
                    : await ReadBodyAsync(context).ConfigureAwait(false);
                if (body0 is not null)
                {
                    body0 = await MutateAsync(resource, ns, body0, query, context.RequestAborted).ConfigureAwait(false);
                }

                var created = Create(resource, ns, body0, query);
                await WriteAsync(context, 201, created).ConfigureAwait(false);
                break;
            case "PUT" when name is not null:
                var updated = Update(resource, ns, name, sub, await ReadBodyAsync(context).ConfigureAwait(false), query);
                await WriteAsync(context, 200, updated).ConfigureAwait(false);
                break;
            case "PATCH" when name is not null:
                var (patched, wasCreated) = await PatchAsync(context, resource, ns, name, sub).ConfigureAwait(false);
                await WriteAsync(context, wasCreated ? 201 : 200, patched).ConfigureAwait(false);
                break;
            case "DELETE" when name is not null && sub is null:
                var body = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
                    ? await ReadBodyAsync(context, allowEmpty: true).ConfigureAwait(false)
                    : null;
                await WriteAsync(context, 200, Delete(resource, ns, name, body, query)).ConfigureAwait(false);
                break;
            default:
                throw new ApiError(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
        }
    }

    /// <summary>Mutating admission (webhooks) on create, seeing the object as kube-apiserver passes it: kind set, namespace filled in.</summary>
    private async Task<JsonObject> MutateAsync(ServedResource r, string? ns, JsonObject body, IQueryCollection query, CancellationToken cancellationToken)
    {
        if (body["metadata"] is not JsonObject meta || (r.Namespaced && meta["namespace"]?.GetValue<string>() is { Length: > 0 } bodyNs && bodyNs != ns))
        {
            return body;
        }

        body["apiVersion"] ??= r.ApiVersion;
        body["kind"] ??= r.Kind;
        if (r.Namespaced)
        {
            meta["namespace"] = ns;
        }

        return await Webhooks.AdmitCreateAsync(r, ns, body, query, cancellationToken).ConfigureAwait(false);
    }

    private static ApiError NotFoundPath(string path) => new(404, "NotFound", "the server could not find the requested resource");

    private static async Task<byte[]> ReadBytesAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static async Task<JsonObject?> ReadBodyAsync(HttpContext context, bool allowEmpty = false)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text) && allowEmpty)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw ApiError.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"error decoding request body: {e.Message}");
        }
    }

    internal static async Task WriteAsync(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    // ---- list ----

    private JsonObject List(HttpContext context, ServedResource r, string? ns)
    {
        var query = context.Request.Query;
        var filter = Filter(r, ns, query["labelSelector"], query["fieldSelector"]);
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : 0;
        var token = query["continue"].ToString();
        var rv = query["resourceVersion"].ToString();
        List<JsonObject> items;
        long revision;
        var offset = 0;
        if (token.Length > 0)
        {
            if (rv.Length > 0 && rv != "0")
            {
                throw ApiError.BadRequest("specifying resource version is not allowed when using continue");
            }

            (var id, offset) = DecodeContinue(token);
            if (!_snapshots.TryGetValue(id, out var snapshot) || _options.TimeProvider.GetUtcNow() - snapshot.Created > _options.ContinueTokenLifetime)
            {
                _snapshots.TryRemove(id, out _);
                throw ApiError.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            }

            items = snapshot.Items;
            revision = snapshot.Revision;
        }
        else
        {
            (items, revision) = _store.List(r, filter);
        }

        var page = limit > 0 ? items.Skip(offset).Take(limit).ToList() : items.Skip(offset).ToList();
        var meta = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        var remaining = items.Count - offset - page.Count;
        if (limit > 0 && remaining > 0)
        {
            var id = token.Length > 0 ? DecodeContinue(token).Id : Interlocked.Increment(ref _snapshotIds).ToString(CultureInfo.InvariantCulture);
            if (token.Length == 0)
            {
                _snapshots[id] = new ContinueSnapshot(items, revision, _options.TimeProvider.GetUtcNow());
            }

            meta["continue"] = EncodeContinue(id, offset + page.Count, revision);
            meta["remainingItemCount"] = remaining;
        }

        return new JsonObject
        {
            ["kind"] = r.ListKind,
            ["apiVersion"] = r.ApiVersion,
            ["metadata"] = meta,
            ["items"] = new JsonArray(page.Select(i => (JsonNode)i.DeepClone()).ToArray()),
        };
    }

    private static string EncodeContinue(string id, int offset, long rv) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["id"] = id, ["start"] = offset }.ToJsonString()))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string Id, int Offset) DecodeContinue(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var node = JsonNode.Parse(Convert.FromBase64String(b64))!;
            return (node["id"]!.GetValue<string>(), node["start"]!.GetValue<int>());
        }
        catch (Exception e) when (e is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiError.BadRequest($"invalid continue token: {e.Message}");
        }
    }

    private static Func<JsonObject, bool> Filter(ServedResource r, string? ns, string? labelSelector, string? fieldSelector)
    {
        LabelSelectorExpression labels;
        FieldSelectorExpression fields;
        try
        {
            labels = LabelSelectorExpression.Parse(labelSelector);
            fields = FieldSelectorExpression.Parse(fieldSelector);
        }
        catch (FormatException e)
        {
            throw ApiError.BadRequest(e.Message);
        }

        foreach (var f in fields.Requirements)
        {
            if (!r.SupportsField(f.Field))
            {
                throw ApiError.BadRequest($"\"{f.Field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
            }
        }

        return obj => (ns is null || obj["metadata"]?["namespace"]?.GetValue<string>() == ns)
            && labels.Matches(ApiStore.Labels(obj))
            && fields.Matches(f => r.Field(obj, f));
    }

    // ---- watch ----

    private async Task WatchAsync(HttpContext context, ServedResource r, string? ns)
    {
        var query = context.Request.Query;
        _ = Filter(r, ns, query["labelSelector"], query["fieldSelector"]);
        var watcher = new Watcher(r, ns, LabelSelectorExpression.Parse(query["labelSelector"]), FieldSelectorExpression.Parse(query["fieldSelector"]),
            query["allowWatchBookmarks"] == "true", context)
        {
            Transform = Tables.Wanted(context.Request.Headers.Accept) ? o => Tables.ToTable(r, [o], null, null, _options.TimeProvider.GetUtcNow()) : null,
        };
        var timeout = long.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMinutes(30 + Random.Shared.Next(0, 30));
        var sendInitialEvents = query["sendInitialEvents"] == "true";
        if (sendInitialEvents && (query["resourceVersionMatch"] != "NotOlderThan" || query["allowWatchBookmarks"] != "true"))
        {
            throw ApiError.BadRequest("sendInitialEvents requires resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true");
        }

        _store.Register(watcher, query["resourceVersion"], sendInitialEvents);
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(timeout);
            var reader = watcher.Events.Reader;
            try
            {
                while (await reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false))
                {
                    while (reader.TryRead(out var frame))
                    {
                        if (!watcher.Silenced)
                        {
                            await context.Response.Body.WriteAsync(frame, deadline.Token).ConfigureAwait(false);
                        }
                    }

                    await context.Response.Body.FlushAsync(deadline.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
            }
        }
        finally
        {
            _store.Unregister(watcher);
        }
    }
}

/// <summary>One request the test API server received (for assertions on what a client sent).</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, string UserAgent);

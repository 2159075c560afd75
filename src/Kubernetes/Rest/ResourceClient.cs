using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Json;
using Flamewatch.Kubernetes.Models;

namespace Flamewatch.Kubernetes.Rest;

internal sealed class ResourceClient<T>(KubeApiClient api, ResourceType type) : IResourceClient<T>
    where T : KubeObject
{
    private static readonly TimeSpan IdleWithoutTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan IdleGrace = TimeSpan.FromSeconds(30);

    public ResourceType Type => type;

    public Task<T> GetAsync(string? @namespace, string name, CancellationToken cancellationToken = default) =>
        api.SendJsonAsync<T>(HttpMethod.Get, type.ObjectPath(Ns(@namespace), name), null, null, cancellationToken);

    public async Task<T?> TryGetAsync(string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public Task<KubeList<T>> ListAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions();
        var query = KubeApiClient.Query(
            ("labelSelector", Blank(options.LabelSelector)),
            ("fieldSelector", Blank(options.FieldSelector)),
            ("limit", options.Limit?.ToString(CultureInfo.InvariantCulture)),
            ("continue", Blank(options.Continue)),
            ("resourceVersion", options.ResourceVersion),
            ("resourceVersionMatch", options.ResourceVersionMatch));
        return api.SendJsonAsync<KubeList<T>>(HttpMethod.Get, type.CollectionPath(ListNs(@namespace)) + query, null, null, cancellationToken);
    }

    public async Task<KubeList<T>> ListAllAsync(string? @namespace, ListOptions? options = null, int pageSize = 500, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        options ??= new ListOptions();
        var page = await ListAsync(@namespace, options with { Limit = pageSize, Continue = null }, cancellationToken).ConfigureAwait(false);
        var result = page;
        while (!string.IsNullOrEmpty(page.Metadata.Continue))
        {
            try
            {
                // A continuation page must not carry a resourceVersion (400); the token pins it.
                page = await ListAsync(@namespace, options with { Limit = pageSize, Continue = page.Metadata.Continue, ResourceVersion = null, ResourceVersionMatch = null }, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (e.IsExpired)
            {
                // client-go's pager (FullListIfExpired): the token expired, so take one consistent unpaged list.
                return await ListAsync(@namespace, options with { Limit = null, Continue = null, ResourceVersion = null, ResourceVersionMatch = null }, cancellationToken).ConfigureAwait(false);
            }

            result.Items.AddRange(page.Items);
            result.Metadata.Continue = page.Metadata.Continue;
        }

        result.Metadata.Continue = null;
        return result;
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new WatchOptions();
        var query = KubeApiClient.Query(
            ("watch", "true"),
            ("labelSelector", Blank(options.LabelSelector)),
            ("fieldSelector", Blank(options.FieldSelector)),
            ("resourceVersion", options.ResourceVersion),
            ("allowWatchBookmarks", options.AllowBookmarks ? "true" : null),
            ("timeoutSeconds", options.Timeout is { } t ? ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : null));
        var idle = options.IdleTimeout ?? (options.Timeout is { } timeout ? timeout + IdleGrace : IdleWithoutTimeout);

        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        watchdog.CancelAfter(api.Config.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await api.SendAsync(HttpMethod.Get, type.CollectionPath(ListNs(@namespace)) + query, null, null, stream: true, watchdog.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"watch of {type.Plural} got no response headers within {api.Config.RequestTimeout.TotalSeconds:0.#} s");
        }

        using (response)
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var reader = new JsonValueStreamReader(stream);
                while (true)
                {
                    ReadOnlyMemory<byte>? value;
                    watchdog.CancelAfter(idle);
                    try
                    {
                        value = await reader.ReadNextAsync(watchdog.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        throw new WatchIdleException(idle);
                    }

                    if (value is null)
                    {
                        yield break;
                    }

                    yield return Decode(value.Value.Span);
                }
            }
        }
    }

    internal static WatchEvent<T> Decode(ReadOnlySpan<byte> json)
    {
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("watch event is not a JSON object");
        var typeName = node["type"]?.GetValue<string>();
        var obj = node["object"] ?? throw new JsonException("watch event has no object");
        var eventType = typeName switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            _ => throw new JsonException($"unknown watch event type \"{typeName}\""),
        };
        if (eventType == WatchEventType.Error)
        {
            throw KubeApiException.Create(KubeJson.Deserialize<KubeStatus>(obj));
        }

        return new WatchEvent<T>(eventType, KubeJson.Deserialize<T>(obj));
    }

    public Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default)
    {
        type.Stamp(obj);
        return api.SendJsonAsync<T>(HttpMethod.Post, type.CollectionPath(Ns(obj.Metadata.Namespace)), KubeJson.SerializeToUtf8Bytes(obj), "application/json", cancellationToken);
    }

    public Task<T> UpdateAsync(T obj, CancellationToken cancellationToken = default) => Put(obj, null, cancellationToken);

    public Task<T> UpdateStatusAsync(T obj, CancellationToken cancellationToken = default) => Put(obj, "status", cancellationToken);

    public Task<T> PatchAsync(string? @namespace, string name, KubePatch patch, CancellationToken cancellationToken = default) =>
        api.SendJsonAsync<T>(HttpMethod.Patch, type.ObjectPath(Ns(@namespace), name), System.Text.Encoding.UTF8.GetBytes(patch.Body), patch.ContentType, cancellationToken);

    public Task<T> PatchStatusAsync(string? @namespace, string name, KubePatch patch, CancellationToken cancellationToken = default) =>
        api.SendJsonAsync<T>(HttpMethod.Patch, type.ObjectPath(Ns(@namespace), name, "status"), System.Text.Encoding.UTF8.GetBytes(patch.Body), patch.ContentType, cancellationToken);

    public async Task<T?> DeleteAsync(string? @namespace, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        byte[]? body = null;
        if (options is not null)
        {
            var json = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1" };
            if (options.PropagationPolicy is not null)
            {
                json["propagationPolicy"] = options.PropagationPolicy;
            }

            if (options.GracePeriodSeconds is { } grace)
            {
                json["gracePeriodSeconds"] = grace;
            }

            if (options.PreconditionUid is not null || options.PreconditionResourceVersion is not null)
            {
                var pre = new JsonObject();
                if (options.PreconditionUid is not null)
                {
                    pre["uid"] = options.PreconditionUid;
                }

                if (options.PreconditionResourceVersion is not null)
                {
                    pre["resourceVersion"] = options.PreconditionResourceVersion;
                }

                json["preconditions"] = pre;
            }

            body = System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        }

        var node = await api.SendJsonAsync<JsonObject>(HttpMethod.Delete, type.ObjectPath(Ns(@namespace), name), body, "application/json", cancellationToken).ConfigureAwait(false);
        return node["kind"]?.GetValue<string>() == "Status" ? null : KubeJson.Deserialize<T>(node);
    }

    private Task<T> Put(T obj, string? subresource, CancellationToken cancellationToken)
    {
        type.Stamp(obj);
        var name = obj.Metadata.Name ?? throw new ArgumentException("metadata.name is required for an update", nameof(obj));
        return api.SendJsonAsync<T>(HttpMethod.Put, type.ObjectPath(Ns(obj.Metadata.Namespace), name, subresource), KubeJson.SerializeToUtf8Bytes(obj), "application/json", cancellationToken);
    }

    private string? Ns(string? @namespace) => type.Namespaced ? (string.IsNullOrEmpty(@namespace) ? api.DefaultNamespace : @namespace) : null;

    private string? ListNs(string? @namespace) => type.Namespaced ? @namespace : null;

    private static string? Blank(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flamewatch.Kubernetes.Informers;

/// <summary>One page of a list: its items, the list's resourceVersion and the continue token (null on the last page).</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? ResourceVersion, string? Continue);

/// <summary>What a list request asks for.</summary>
public sealed record ListRequest(string? LabelSelector, string? FieldSelector, int? Limit, string? Continue);

/// <summary>What a watch request asks for (bookmarks are always requested).</summary>
public sealed record WatchRequest(string? LabelSelector, string? FieldSelector, string? ResourceVersion, int TimeoutSeconds);

/// <summary>
/// List and watch of one resource through the official client (<see cref="ListWatch"/> builds them). The watch turns the
/// client's behaviour into what an informer needs: a stream that ends without any event is a normal end (the client
/// throws on it), an ERROR event ends the stream with its Status as a <see cref="KubernetesException"/> (the client only
/// reports it to a callback), and a stream silent for longer than the idle timeout is abandoned
/// (<see cref="WatchIdleException"/>).
/// </summary>
public sealed class ListWatch<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Func<string?, ListRequest, CancellationToken, Task<ListPage<T>>> _list;
    private readonly Func<string?, WatchRequest, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> _watch;

    public ListWatch(
        string resource,
        Func<string?, ListRequest, CancellationToken, Task<ListPage<T>>> list,
        Func<string?, WatchRequest, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch)
    {
        Resource = resource;
        _list = list;
        _watch = watch;
    }

    /// <summary>The plural resource name, for logs.</summary>
    public string Resource { get; }

    public Task<ListPage<T>> ListAsync(string? @namespace, ListRequest request, CancellationToken cancellationToken) => _list(@namespace, request, cancellationToken);

    /// <summary>Streams watch events until the server ends the watch; see the type's remarks for errors.</summary>
    public async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string? @namespace, WatchRequest request, TimeSpan idleTimeout, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(idleTimeout);
        Exception? streamError = null;
        var events = 0;
        await using var enumerator = _watch(@namespace, request, e => streamError ??= e, idle.Token).GetAsyncEnumerator(idle.Token);
        while (true)
        {
            bool more;
            try
            {
                more = await enumerator.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (events == 0 && streamError is null && IsEmptyStream(exception))
            {
                // The official client reads the first line before handing out the stream and throws when the server
                // ended the stream without any line (e.g. timeoutSeconds passed quietly): that is a normal end.
                yield break;
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new WatchIdleException(idleTimeout);
            }

            if (!more)
            {
                break;
            }

            events++;
            idle.CancelAfter(idleTimeout);
            yield return enumerator.Current;
        }

        if (streamError is not null)
        {
            throw streamError;
        }
    }

    /// <summary>How the official client reports a watch response whose body ended before its first line.</summary>
    private static bool IsEmptyStream(Exception exception) => exception switch
    {
        JsonException or EndOfStreamException => true,
        HttpRequestException { InnerException: EndOfStreamException } => true,
        _ => false,
    };
}

/// <summary>List/watch sources for the resources Flamewatch watches.</summary>
public static class ListWatch
{
    /// <summary>Pods of one namespace (or all when the namespace is null).</summary>
    public static ListWatch<V1Pod> Pods(IKubernetes client) => new(
        "pods",
        async (ns, r, ct) =>
        {
            var list = ns is null
                ? await client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, limit: r.Limit, cancellationToken: ct).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedPodAsync(ns, continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, limit: r.Limit, cancellationToken: ct).ConfigureAwait(false);
            return new ListPage<V1Pod>([.. list.Items], list.Metadata?.ResourceVersion, NullIfEmpty(list.Metadata?.ContinueProperty));
        },
        (ns, r, onError, ct) => Watch<V1Pod, V1PodList>(
            ns is null
                ? client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: true, cancellationToken: ct)
                : client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: true, cancellationToken: ct),
            onError,
            ct));

    /// <summary>Objects of a custom resource, deserialized as <typeparamref name="T"/> (lists as <typeparamref name="TList"/>).</summary>
    public static ListWatch<T> CustomObjects<T, TList>(IKubernetes client, string group, string version, string plural)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T> => new(
        plural,
        async (ns, r, ct) =>
        {
            using var response = ns is null
                ? await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<TList>(group, version, plural, continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, limit: r.Limit, cancellationToken: ct).ConfigureAwait(false)
                : await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<TList>(group, version, ns, plural, continueParameter: r.Continue, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, limit: r.Limit, cancellationToken: ct).ConfigureAwait(false);
            var list = response.Body;
            return new ListPage<T>([.. list.Items ?? []], list.Metadata?.ResourceVersion, NullIfEmpty(list.Metadata?.ContinueProperty));
        },
        (ns, r, onError, ct) => Watch<T, TList>(
            ns is null
                ? client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<TList>(group, version, plural, allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: true, cancellationToken: ct)
                : client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<TList>(group, version, ns, plural, allowWatchBookmarks: true, fieldSelector: r.FieldSelector, labelSelector: r.LabelSelector, resourceVersion: r.ResourceVersion, timeoutSeconds: r.TimeoutSeconds, watch: true, cancellationToken: ct),
            onError,
            ct));

    // The client's generated Watch…Async methods for custom objects yield untyped objects; this extension is the typed
    // path it offers for any list call made with watch=true.
#pragma warning disable CS0618
    private static IAsyncEnumerable<(WatchEventType, T)> Watch<T, TList>(Task<HttpOperationResponse<TList>> response, Action<Exception> onError, CancellationToken cancellationToken) =>
        response.WatchAsync<T, TList>(onError, cancellationToken);
#pragma warning restore CS0618

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>The watchdog saw nothing on a watch stream within the idle timeout.</summary>
public sealed class WatchIdleException(TimeSpan idle) : Exception($"watch stream silent for {idle.TotalSeconds:0.#} s; reconnecting");

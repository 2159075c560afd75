using Flamewatch.Kubernetes.Models;

namespace Flamewatch.Kubernetes.Rest;

/// <summary>
/// CRUD, list and watch for one resource type. Errors are <see cref="KubeApiException"/> (409 on a stale
/// resourceVersion is <see cref="KubeConflictException"/>). <c>namespace</c> is ignored for cluster-scoped types;
/// for list and watch, null means all namespaces.
/// </summary>
public interface IResourceClient<T>
    where T : KubeObject
{
    ResourceType Type { get; }

    Task<T> GetAsync(string? @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>The object, or null when it does not exist (404).</summary>
    Task<T?> TryGetAsync(string? @namespace, string name, CancellationToken cancellationToken = default);

    /// <summary>One list request (one page when <see cref="ListOptions.Limit"/> is set).</summary>
    Task<KubeList<T>> ListAsync(string? @namespace, ListOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every item, fetched in pages of <paramref name="pageSize"/>; when a continue token expires mid-way (410)
    /// it falls back to one unpaged list, as client-go's pager does.
    /// </summary>
    Task<KubeList<T>> ListAllAsync(string? @namespace, ListOptions? options = null, int pageSize = 500, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams watch events until the server ends the watch, the watchdog fires (<see cref="WatchIdleException"/>)
    /// or an ERROR event arrives (thrown as <see cref="KubeApiException"/>, e.g. 410 Expired). No overall HTTP timeout applies.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, WatchOptions? options = null, CancellationToken cancellationToken = default);

    Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default);

    /// <summary>PUT; the object's resourceVersion is the precondition (409 → <see cref="KubeConflictException"/>).</summary>
    Task<T> UpdateAsync(T obj, CancellationToken cancellationToken = default);

    /// <summary>PUT to the /status subresource.</summary>
    Task<T> UpdateStatusAsync(T obj, CancellationToken cancellationToken = default);

    Task<T> PatchAsync(string? @namespace, string name, KubePatch patch, CancellationToken cancellationToken = default);

    Task<T> PatchStatusAsync(string? @namespace, string name, KubePatch patch, CancellationToken cancellationToken = default);

    /// <summary>
    /// DELETE. Returns the object as the server answered it (with deletionTimestamp while finalizers remain),
    /// or null when the server answered only a Status.
    /// </summary>
    Task<T?> DeleteAsync(string? @namespace, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default);
}

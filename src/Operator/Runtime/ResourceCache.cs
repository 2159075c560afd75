using System.Collections.Concurrent;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Operator.Runtime;

/// <summary>
/// An informer: paged LIST, then WATCH from the list's resourceVersion, keeping an in-memory copy of every object
/// and telling <see cref="Changed"/> (previous, current) about each change; current null = deleted. On 410
/// Expired it relists and synthesizes the deletions it missed; other failures back off (0.8 s doubling to 30 s,
/// reset after a healthy watch) and resume from the last resourceVersion seen.
/// </summary>
internal sealed class ResourceCache<T>(IResourceClient<T> client, string? @namespace, TimeProvider time, ILogger logger)
    where T : KubeObject
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, T>> _byNamespace = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    /// <summary>(previous, current): previous null = added, current null = deleted. Called on the watch loop; keep it quick.</summary>
    public event Action<T?, T?>? Changed;

    public bool HasSynced => _synced.Task.IsCompleted;

    public int Count => Volatile.Read(ref _count);

    public string Resource => client.Type.Plural;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    public T? Get(ObjectKey key) =>
        _byNamespace.TryGetValue(key.Namespace ?? string.Empty, out var items) && items.TryGetValue(key.Name, out var item) ? item : default;

    public IReadOnlyList<T> List(string? ns) =>
        ns is null
            ? _byNamespace.Values.SelectMany(items => items.Values).ToList()
            : _byNamespace.TryGetValue(ns, out var items) ? items.Values.ToList() : [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var backoff = InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await RelistAsync(cancellationToken).ConfigureAwait(false);
                }

                var started = time.GetTimestamp();
                var timeout = TimeSpan.FromSeconds(300 + Random.Shared.Next(300));
                var options = new WatchOptions { ResourceVersion = resourceVersion, AllowBookmarks = true, Timeout = timeout };
                await foreach (var change in client.WatchAsync(@namespace, options, cancellationToken).ConfigureAwait(false))
                {
                    if (change.Object?.Metadata.ResourceVersion is { } rv)
                    {
                        resourceVersion = rv;
                    }

                    switch (change.Type)
                    {
                        case WatchEventType.Added or WatchEventType.Modified when change.Object is not null:
                            Upsert(change.Object);
                            break;
                        case WatchEventType.Deleted when change.Object is not null:
                            Remove(change.Object);
                            break;
                    }
                }

                if (time.GetElapsedTime(started) > TimeSpan.FromSeconds(1))
                {
                    backoff = InitialBackoff;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException exception) when (exception.IsExpired)
            {
                Log.WatchExpired(logger, Resource, exception.Message);
                resourceVersion = null;
            }
            catch (Exception exception) when (exception is KubeApiException or HttpRequestException or IOException or WatchIdleException or System.Text.Json.JsonException)
            {
                Log.WatchFailed(logger, Resource, backoff, exception);
                try
                {
                    await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task<string?> RelistAsync(CancellationToken cancellationToken)
    {
        var list = await client.ListAllAsync(@namespace, new ListOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<(string, string)>();
        foreach (var item in list.Items)
        {
            seen.Add((item.Metadata.Namespace ?? string.Empty, item.Metadata.Name ?? string.Empty));
            Upsert(item);
        }

        foreach (var (ns, items) in _byNamespace)
        {
            foreach (var item in items.Values)
            {
                if (!seen.Contains((ns, item.Metadata.Name ?? string.Empty)))
                {
                    Remove(item);
                }
            }
        }

        _synced.TrySetResult();
        return list.Metadata.ResourceVersion;
    }

    private void Upsert(T item)
    {
        var items = _byNamespace.GetOrAdd(item.Metadata.Namespace ?? string.Empty, _ => new(StringComparer.Ordinal));
        var name = item.Metadata.Name ?? string.Empty;
        items.TryGetValue(name, out var previous);
        if (previous is not null && previous.Metadata.ResourceVersion == item.Metadata.ResourceVersion)
        {
            return;
        }

        items[name] = item;
        if (previous is null)
        {
            Interlocked.Increment(ref _count);
        }

        Changed?.Invoke(previous, item);
    }

    private void Remove(T item)
    {
        if (_byNamespace.TryGetValue(item.Metadata.Namespace ?? string.Empty, out var items) && items.TryRemove(item.Metadata.Name ?? string.Empty, out var previous))
        {
            Interlocked.Decrement(ref _count);
            Changed?.Invoke(previous, null);
        }
    }
}

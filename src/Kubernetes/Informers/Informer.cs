using System.Runtime.ExceptionServices;
using Flamewatch.Kubernetes.Client;
using Flamewatch.Kubernetes.Selectors;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flamewatch.Kubernetes.Informers;

/// <summary>
/// client-go's reflector + indexer in one: a paged LIST, then WATCH from its resourceVersion with bookmarks, a random
/// server-side timeout and an idle watchdog. A normal end of the watch resumes from the last resourceVersion at once,
/// and so does a watch whose connection broke after it had run (an API server restart, a load balancer cutting long
/// connections); an Expired/410 relists and synthesizes the deletes that happened meanwhile; failures back off
/// exponentially (reset after a healthy watch). Run it with <see cref="RunAsync"/>. It stands on the official client's
/// list and watch calls (<see cref="ListWatch"/>), which leave relisting, reconnecting and resuming to the caller.
/// </summary>
public sealed class Informer<T> : IInformer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>A watch that ends sooner without an event, or breaks sooner, counts as a failure (client-go's "very short watch").</summary>
    private static readonly TimeSpan s_minimumHealthyWatch = TimeSpan.FromSeconds(1);

    private readonly ListWatch<T> _source;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _cache = new(StringComparer.Ordinal);
    private readonly List<IResourceEventHandler<T>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _name;
    private string? _resourceVersion;

    public Informer(ListWatch<T> source, InformerOptions? options = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        _source = source;
        _options = options ?? new InformerOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _name = source.Resource;
        _ = LabelSelectorExpression.Parse(_options.LabelSelector);
        _ = FieldSelectorExpression.Parse(_options.FieldSelector);
    }

    public bool HasSynced => _synced.Task.IsCompleted;

    public string? LastSyncResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Number of lists performed (first sync plus relists after Expired); for diagnostics and tests.</summary>
    public int ListCount { get; private set; }

    /// <summary>Number of watches started; for diagnostics and tests.</summary>
    public int WatchCount { get; private set; }

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    public T? Get(string? @namespace, string name)
    {
        lock (_lock)
        {
            return _cache.GetValueOrDefault(new ObjectKey(string.IsNullOrEmpty(@namespace) ? null : @namespace, name).ToString());
        }
    }

    public IReadOnlyList<T> List(string? @namespace = null, LabelSelectorExpression? selector = null)
    {
        lock (_lock)
        {
            return _cache.Values
                .Where(o => (@namespace is null || o.Metadata.NamespaceProperty == @namespace) && (selector is null || selector.Matches(o.Metadata.Labels)))
                .ToList();
        }
    }

    public IDisposable AddHandler(IResourceEventHandler<T> handler)
    {
        lock (_lock)
        {
            _handlers.Add(handler);
            if (HasSynced)
            {
                foreach (var obj in _cache.Values)
                {
                    Invoke(handler, h => h.OnAdd(obj));
                }
            }
        }

        return new Registration(this, handler);
    }

    private sealed class Registration(Informer<T> informer, IResourceEventHandler<T> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (informer._lock)
            {
                informer._handlers.Remove(handler);
            }
        }
    }

    /// <summary>Lists and watches until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var needList = true;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    needList = false;
                }

                var started = _time.GetUtcNow();
                var (events, broken) = await WatchAsync(cancellationToken).ConfigureAwait(false);
                var lived = _time.GetUtcNow() - started;
                if (broken is not null && lived < s_minimumHealthyWatch)
                {
                    ExceptionDispatchInfo.Throw(broken);
                }

                if (events == 0 && lived < s_minimumHealthyWatch)
                {
                    throw new IOException("very short watch: the watch closed within 1 s without any event");
                }

                failures = 0;
                if (broken is not null)
                {
                    Log.InformerWatchBroke(_logger, _name, events, lived.TotalSeconds, LastSyncResourceVersion, broken.Message);
                }
                else
                {
                    Log.InformerWatchEnded(_logger, _name, events, LastSyncResourceVersion);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e.IsExpired() && !cancellationToken.IsCancellationRequested)
            {
                // History is gone: relist (consistent read) and diff to find what was deleted meanwhile.
                Log.InformerExpired(_logger, _name, LastSyncResourceVersion);
                needList = true;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (e.StatusCode() == 504)
                {
                    needList = true;
                }

                var delay = Backoff(failures++);
                Log.InformerWatchFailed(_logger, _name, delay.TotalSeconds, e);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var ms = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16));
        ms = Math.Min(ms, _options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await ListAllAsync(cancellationToken).ConfigureAwait(false);
        ListCount++;
        lock (_lock)
        {
            var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var item in list.Items)
            {
                fresh[ObjectKey.Of(item).ToString()] = item;
            }

            foreach (var (key, old) in _cache.ToList())
            {
                if (!fresh.ContainsKey(key))
                {
                    _cache.Remove(key);
                    Dispatch(h => h.OnDelete(old));
                }
            }

            foreach (var (key, item) in fresh)
            {
                if (_cache.TryGetValue(key, out var old))
                {
                    _cache[key] = item;
                    if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
                    {
                        Dispatch(h => h.OnUpdate(old, item));
                    }
                }
                else
                {
                    _cache[key] = item;
                    Dispatch(h => h.OnAdd(item));
                }
            }

            _resourceVersion = list.ResourceVersion;
        }

        Log.InformerListed(_logger, _name, list.Items.Count, list.ResourceVersion);
        _synced.TrySetResult();
    }

    /// <summary>
    /// Every item, in pages of <see cref="InformerOptions.PageSize"/>; when a continue token expires mid-way (410) it falls
    /// back to one unpaged list, as client-go's pager does.
    /// </summary>
    private async Task<ListPage<T>> ListAllAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? resourceVersion = null;
        string? next = null;
        do
        {
            ListPage<T> page;
            try
            {
                page = await _source.ListAsync(_options.Namespace, new ListRequest(_options.LabelSelector, _options.FieldSelector, _options.PageSize, next), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (next is not null && e.IsExpired())
            {
                return await _source.ListAsync(_options.Namespace, new ListRequest(_options.LabelSelector, _options.FieldSelector, null, null), cancellationToken).ConfigureAwait(false);
            }

            items.AddRange(page.Items);
            resourceVersion ??= page.ResourceVersion;
            next = page.Continue;
        }
        while (next is not null);

        return new ListPage<T>(items, resourceVersion, null);
    }

    /// <summary>Watches until the stream ends; returns the events applied and, when the connection broke, why.</summary>
    private async Task<(int Events, Exception? Broken)> WatchAsync(CancellationToken cancellationToken)
    {
        var min = _options.MinWatchTimeout;
        var timeout = min + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * min.TotalMilliseconds);
        var request = new WatchRequest(_options.LabelSelector, _options.FieldSelector, LastSyncResourceVersion, (int)Math.Ceiling(timeout.TotalSeconds));
        var idle = _options.IdleTimeout ?? timeout + TimeSpan.FromSeconds(30);
        WatchCount++;
        var count = 0;
        try
        {
            await foreach (var (type, obj) in _source.WatchAsync(_options.Namespace, request, idle, cancellationToken).ConfigureAwait(false))
            {
                count++;
                Apply(type, obj);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return (count, e);
        }

        return (count, null);
    }

    private void Apply(WatchEventType type, T obj)
    {
        lock (_lock)
        {
            _resourceVersion = obj.Metadata?.ResourceVersion ?? _resourceVersion;
            if (type == WatchEventType.Bookmark || obj.Metadata is null)
            {
                return;
            }

            var key = ObjectKey.Of(obj).ToString();
            _cache.TryGetValue(key, out var old);
            switch (type)
            {
                case WatchEventType.Added or WatchEventType.Modified:
                    _cache[key] = obj;
                    if (old is null)
                    {
                        Dispatch(h => h.OnAdd(obj));
                    }
                    else
                    {
                        Dispatch(h => h.OnUpdate(old, obj));
                    }

                    break;
                case WatchEventType.Deleted:
                    _cache.Remove(key);
                    Dispatch(h => h.OnDelete(obj));
                    break;
            }
        }
    }

    private void Dispatch(Action<IResourceEventHandler<T>> action)
    {
        foreach (var handler in _handlers)
        {
            Invoke(handler, action);
        }
    }

    private void Invoke(IResourceEventHandler<T> handler, Action<IResourceEventHandler<T>> action)
    {
        try
        {
            action(handler);
        }
        catch (Exception e)
        {
            Log.InformerHandlerFailed(_logger, _name, e);
        }
    }
}

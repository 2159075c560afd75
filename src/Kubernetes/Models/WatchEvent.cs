namespace Flamewatch.Kubernetes.Models;

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

/// <summary>One decoded watch event. For <see cref="WatchEventType.Error"/> the <see cref="Status"/> is set instead of the object.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T? Object, KubeStatus? Status = null)
    where T : KubeObject;

namespace Flamewatch.Kubernetes.Informers;

/// <summary>What an informer watches and how it reconnects (defaults follow client-go's reflector).</summary>
public sealed record InformerOptions
{
    /// <summary>null = all namespaces.</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    /// <summary>E.g. <c>spec.nodeName=node-1</c> for a node collector.</summary>
    public string? FieldSelector { get; init; }

    public int PageSize { get; init; } = 500;

    /// <summary>Each watch asks the server to end it after a random time in [min, 2×min] (client-go: 5–10 min).</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A watch stream silent for this long is considered dead and re-established (null: watch timeout + 30 s).</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>First reconnect delay after a failure; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}

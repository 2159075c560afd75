namespace Flamewatch.Kubernetes.Config;

/// <summary>Supplies the bearer token for each request; <see cref="Invalidate"/> is called after a 401.</summary>
public interface IKubeTokenSource
{
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Forget any cached token so the next request reads a fresh one.</summary>
    void Invalidate();
}

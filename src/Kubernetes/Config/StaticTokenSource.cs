namespace Flamewatch.Kubernetes.Config;

/// <summary>A fixed token from the kubeconfig's <c>token</c> field.</summary>
internal sealed class StaticTokenSource(string token) : IKubeTokenSource
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);

    public void Invalidate()
    {
    }
}

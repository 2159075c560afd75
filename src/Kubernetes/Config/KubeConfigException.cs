namespace Flamewatch.Kubernetes.Config;

/// <summary>No usable configuration, or a configuration that cannot be used (the message says what was tried).</summary>
public sealed class KubeConfigException : Exception
{
    public KubeConfigException(string message)
        : base(message)
    {
    }

    public KubeConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

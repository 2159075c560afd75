namespace Flamewatch.E2E.Tests;

/// <summary>A test that needs a real Kubernetes cluster; skipped, with the reason, where there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (ClusterEnvironment.Kind == ClusterKind.None)
        {
            Skip = ClusterEnvironment.SkipReason;
        }
    }
}

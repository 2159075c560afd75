using Flamewatch.TestKit.SimulatedNodes;

namespace Flamewatch.NodeCollector.Tests.SimulatedNodes;

/// <summary>A fact that needs a simulated node; skipped, with the reason, where the machine cannot build one.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SimulatedNodeFactAttribute : FactAttribute
{
    public SimulatedNodeFactAttribute()
    {
        if (NodeCapabilities.Current.UnsupportedReason is { } reason)
        {
            Skip = "Simulated node unavailable: " + reason;
        }
    }
}

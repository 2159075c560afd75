namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>A Pod object in the test API server and its simulated containers.</summary>
public sealed record TestPod(string Name, string Uid, SimulatedPod Simulated)
{
    public SimulatedContainer Container(string name) => Simulated.Containers.Single(c => c.Name == name);
}

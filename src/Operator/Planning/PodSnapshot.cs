namespace Flamewatch.Operator.Planning;

/// <summary>What the planner needs to know about one pod, read from the informer cache.</summary>
internal sealed record PodSnapshot(
    string Namespace,
    string Name,
    string? ResourceVersion,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string? Phase,
    bool IsTerminating)
{
    /// <summary>Running or about to run: neither being deleted nor finished. Only such pods are selected or patched.</summary>
    public bool IsActive => !IsTerminating && Phase is not ("Succeeded" or "Failed");
}

using Flamewatch.Settings;

namespace Flamewatch.Operator.Planning;

/// <summary>What the planner needs to know about one pod, read from the informer cache.</summary>
internal sealed record PodSnapshot(
    string Namespace,
    string Name,
    string? ResourceVersion,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string? Phase,
    bool IsTerminating,
    IReadOnlyList<string?>? SamplingRates = null)
{
    /// <summary>
    /// Per app container, the value of DOTNET_EventPipeThreadSamplingRate it starts with (null: unset; <c>"?"</c>: set from a
    /// ConfigMap or Secret, unknown here). Null when the pod spec was not read.
    /// </summary>
    public IReadOnlyList<string?> SamplingRates { get; init; } = SamplingRates ?? [];

    /// <summary>Whether some app container starts without a sampler rate continuous at <paramref name="frequencyHz"/>.</summary>
    public bool StartsDutyCycled(int frequencyHz) =>
        SamplingRates.Any(rate => rate != "?" && !SamplingRateVariable.IsContinuous(rate, frequencyHz));

    /// <summary>Running or about to run: neither being deleted nor finished. Only such pods are selected or patched.</summary>
    public bool IsActive => !IsTerminating && Phase is not ("Succeeded" or "Failed");
}

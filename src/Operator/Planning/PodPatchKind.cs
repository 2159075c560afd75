namespace Flamewatch.Operator.Planning;

/// <summary>Why a pod is patched.</summary>
internal enum PodPatchKind
{
    /// <summary>Newly selected: the profiling annotations are added.</summary>
    Select,

    /// <summary>Already profiled by this profile; some settings changed.</summary>
    Update,

    /// <summary>Carried another profile's annotations, which no longer claims it (or is younger).</summary>
    TakeOver,

    /// <summary>No longer selected (label or selector change, suspend, delete): the keys the operator wrote are removed.</summary>
    Release,
}

namespace Flamewatch.Operator.Planning;

internal enum FinalizerAction
{
    None,

    /// <summary>Add the finalizer before touching any pod, so a delete can always be cleaned up.</summary>
    Add,

    /// <summary>Every pod is released: let the delete complete.</summary>
    Remove,
}
